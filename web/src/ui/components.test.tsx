import { render } from "preact";
import { act } from "preact/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { ApiError, problemOf } from "../api/problem";
import { locale } from "../i18n";
import { liveStatus } from "../live/stream";
import { ErrorMessage } from "./feedback";
import { TextField } from "./forms";
import { LiveBanner } from "./shell";

function mount(node: preact.ComponentChild): HTMLElement {
  const root = document.createElement("div");
  document.body.append(root);
  act(() => render(node, root));
  return root;
}

describe("components", () => {
  afterEach(() => {
    document.body.innerHTML = "";
    act(() => locale.set("ko"));
    liveStatus.set("off");
  });

  it("a field with an error says so to assistive technology", () => {
    const root = mount(<TextField label="이메일" value="x" onValue={() => undefined} error="올바른 이메일 주소를 입력해 주세요." />);
    const input = root.querySelector("input");
    const label = root.querySelector("label");
    expect(label?.getAttribute("for")).toBe(input?.id);
    expect(input?.getAttribute("aria-invalid")).toBe("true");
    const described = root.querySelector(`#${CSS.escape(input?.getAttribute("aria-describedby") ?? "")}`);
    expect(described?.textContent).toBe("올바른 이메일 주소를 입력해 주세요.");
  });

  it("an error from a service is one sentence in the chosen language", () => {
    const error = new ApiError(problemOf(422, { code: "email_taken", detail: "An account with this email already exists." }));
    const root = mount(<ErrorMessage error={error} />);
    expect(root.textContent).toBe("이미 가입된 이메일이에요.");
    act(() => locale.set("en"));
    expect(root.textContent).toBe("An account with this email already exists.");
    expect(root.querySelector("[role=alert]")).not.toBeNull();
  });

  it("the reconnecting banner shows only while the live connection is away", () => {
    const root = mount(<LiveBanner />);
    expect(root.textContent).toBe("");
    act(() => liveStatus.set("reconnecting"));
    expect(root.querySelector("[role=status]")?.textContent).toContain("다시 연결하는 중");
    act(() => liveStatus.set("live"));
    expect(root.textContent).toBe("");
  });
});
