"""The sandbox payment gateway: a Toss Payments-style PG for the local stack and tests, never deployed."""
