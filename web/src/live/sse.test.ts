import { describe, expect, it } from "vitest";

import { SseParser } from "./sse";

describe("SseParser", () => {
  it("reads frames with event, id and multi-line data", () => {
    const parser = new SseParser();
    const frames = parser.feed('retry: 2000\n\nid: 7\nevent: order.status-changed\ndata: {"a":\ndata: 1}\n\n');
    expect(frames).toEqual([
      { event: "", data: "", id: "", retry: 2000 },
      { event: "order.status-changed", data: '{"a":\n1}', id: "7" },
    ]);
  });

  it("waits for a frame cut anywhere, even between \\r and \\n", () => {
    const parser = new SseParser();
    const text = "id: 1\r\nevent: order.placed\r\ndata: x\r\n\r\n";
    const frames = [...text].flatMap((char) => parser.feed(char));
    expect(frames).toEqual([{ event: "order.placed", data: "x", id: "1" }]);
  });

  it("ignores comments (the heartbeat) and unknown fields, and keeps the last id", () => {
    const parser = new SseParser();
    expect(parser.feed(": ping\n\nfoo: bar\nid: 3\ndata: a\n\n: ping\n\ndata: b\n\n")).toEqual([
      { event: "message", data: "a", id: "3" },
      { event: "message", data: "b", id: "3" },
    ]);
  });

  it("dispatches nothing for a block without data", () => {
    const parser = new SseParser();
    expect(parser.feed("event: x\nid: 4\n\n")).toEqual([]);
    expect(parser.feed("data: after\n\n")).toEqual([{ event: "message", data: "after", id: "4" }]);
  });
});
