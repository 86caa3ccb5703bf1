// A parser of the text/event-stream format (the WHATWG HTML "server-sent events" rules), fed text as
// it arrives. The app reads the stream with fetch rather than EventSource so that it can send the
// access token as a header (not in the URL) and choose the Last-Event-ID of every reconnection itself.

export interface SseFrame {
  /** the `event:` field, "message" when absent */
  event: string;
  data: string;
  /** the last `id:` seen so far in the stream (it carries over to frames without one) */
  id: string;
  /** a `retry:` the server asked for, in milliseconds */
  retry?: number;
}

export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private lastId = "";
  private retry: number | undefined;
  private sawField = false;

  /** Frames completed by this chunk of text. */
  feed(chunk: string): SseFrame[] {
    this.buffer += chunk;
    const frames: SseFrame[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
      if (match[0] === "\r" && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const frame = this.line(line);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  private line(line: string): SseFrame | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // a comment: the server's heartbeat
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        return null; // unknown fields are ignored
    }
    this.sawField = true;
    return null;
  }

  private dispatch(): SseFrame | null {
    const hadData = this.data.length > 0;
    const frame: SseFrame = { event: this.event || "message", data: this.data.join("\n"), id: this.lastId };
    if (this.retry !== undefined) frame.retry = this.retry;
    const sawField = this.sawField;
    this.event = "";
    this.data = [];
    this.retry = undefined;
    this.sawField = false;
    // A block without data dispatches nothing, but a retry in it still counts.
    if (hadData) return frame;
    if (sawField && frame.retry !== undefined) return { ...frame, event: "", data: "" };
    return null;
  }
}
