import { afterEach, describe, expect, it, vi } from "vitest";

import { LiveStream, liveStatus, onLiveEvent, type LiveEvent } from "./stream";

/** A response body that yields `chunks` one read at a time, then ends, fails (a dropped connection) or stays open. */
function streamOf(chunks: string[], then: "end" | "error" | "hang"): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const left = [...chunks];
  return new ReadableStream({
    pull(controller) {
      const next = left.shift();
      if (next !== undefined) controller.enqueue(encoder.encode(next));
      else if (then === "end") controller.close();
      else if (then === "error") controller.error(new TypeError("network error"));
      else return new Promise(() => undefined);
    },
  });
}

function frame(id: number, status: string): string {
  return `id: ${id}\nevent: order.status-changed\ndata: ${JSON.stringify({ id, order_id: "o1", status })}\n\n`;
}

describe("LiveStream", () => {
  afterEach(() => localStorage.clear());

  it("resumes after a drop with the last handled id as Last-Event-ID, handling nothing twice", async () => {
    const calls: Headers[] = [];
    const answers = [
      new Response(streamOf(["retry: 10\n\n", frame(1, "PLACED"), frame(2, "STOCK_RESERVED")], "error")),
      // the server replays from Last-Event-ID; a repeated frame must not be handled again
      new Response(streamOf([frame(2, "STOCK_RESERVED"), frame(3, "AWAITING_STORE")], "hang")),
    ];
    const fetchFn = vi.fn<typeof fetch>(async (_url, init) => {
      calls.push(new Headers(init?.headers));
      const answer = answers.shift();
      if (!answer) throw new Error("no more answers");
      return answer;
    });
    const seen: LiveEvent[] = [];
    const off = onLiveEvent((event) => seen.push(event));
    const stream = new LiveStream("user-1", { fetchFn, token: async () => "token-1" });
    stream.start();
    await vi.waitFor(() => expect(seen.map((e) => e.status)).toEqual(["PLACED", "STOCK_RESERVED", "AWAITING_STORE"]));
    expect(calls[0]?.get("Last-Event-ID")).toBeNull();
    expect(calls[0]?.get("Authorization")).toBe("Bearer token-1");
    expect(calls[1]?.get("Last-Event-ID")).toBe("2");
    expect(liveStatus.get()).toBe("live");
    expect(localStorage.getItem("matjip.live.user-1")).toBe("3");
    stream.stop();
    off();
    expect(liveStatus.get()).toBe("off");
  });

  it("says it is reconnecting while offline and reconnects when back online", async () => {
    const fetchFn = vi.fn<typeof fetch>(async () => new Response(streamOf([frame(5, "READY")], "hang")));
    const stream = new LiveStream("user-2", { fetchFn, token: async () => "t" });
    stream.start();
    await vi.waitFor(() => expect(liveStatus.get()).toBe("live"));
    window.dispatchEvent(new Event("offline"));
    expect(liveStatus.get()).toBe("reconnecting");
    window.dispatchEvent(new Event("online"));
    await vi.waitFor(() => expect(fetchFn).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(liveStatus.get()).toBe("live"));
    const headers = new Headers(fetchFn.mock.calls[1]?.[1]?.headers);
    expect(headers.get("Last-Event-ID")).toBe("5");
    stream.stop();
  });

  it("starts from where the last page load stopped", async () => {
    localStorage.setItem("matjip.live.user-3", "41");
    const fetchFn = vi.fn<typeof fetch>(async () => new Response(streamOf([], "hang")));
    const stream = new LiveStream("user-3", { fetchFn, token: async () => "t" });
    stream.start();
    await vi.waitFor(() => expect(fetchFn).toHaveBeenCalled());
    const headers = new Headers(fetchFn.mock.calls[0]?.[1]?.headers);
    expect(headers.get("Last-Event-ID")).toBe("41");
    stream.stop();
  });
});
