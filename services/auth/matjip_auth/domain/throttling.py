"""Login throttling: a fixed window of attempts per account and per client IP.

An attempt is counted *before* the password is checked (so a burst of parallel guesses cannot all pass
a check made before any failure was recorded) and uncounted when it succeeds; a success also clears
the account's counter. What remains in the counters is failures (and attempts still in flight).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class AttemptCount:
    attempts: int  # including the one being judged
    resets_in_seconds: int  # until the window ends


@dataclass(frozen=True)
class ThrottleVerdict:
    allowed: bool
    retry_after_seconds: int = 0


@dataclass(frozen=True)
class LoginThrottlePolicy:
    max_failures_per_account: int = 5
    max_failures_per_ip: int = 50
    window_seconds: int = 15 * 60

    def judge(self, account: AttemptCount, ip: AttemptCount) -> ThrottleVerdict:
        """Whether the attempt that brought the counters to these values may check a password.

        With at most N failures allowed, the (N+1)th attempt in the window is refused until it ends.
        """
        waits = [
            self._wait(count)
            for count, limit in ((account, self.max_failures_per_account), (ip, self.max_failures_per_ip))
            if count.attempts > limit
        ]
        if not waits:
            return ThrottleVerdict(True)
        return ThrottleVerdict(False, retry_after_seconds=max(waits))

    def _wait(self, count: AttemptCount) -> int:
        # A counter without a known expiry (-1/-2 from Redis) waits the whole window; never say "0".
        if count.resets_in_seconds <= 0:
            return self.window_seconds
        return min(count.resets_in_seconds, self.window_seconds)
