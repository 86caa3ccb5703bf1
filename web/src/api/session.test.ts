import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { accessToken, session, type Session } from "./session";

const stale: Session = {
  userId: "u1",
  role: "CUSTOMER",
  email: "a@matjip.test",
  displayName: "A",
  accessToken: "old-access",
  accessExpiresAt: Date.now() + 5_000, // inside the refresh margin
  refreshToken: "refresh-1",
};

describe("silent refresh", () => {
  beforeEach(() => {
    localStorage.setItem("matjip.session", JSON.stringify(stale));
    session.set(stale);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    localStorage.clear();
    session.set(null);
  });

  it("rotates the refresh token once however many requests need a token at the same moment", async () => {
    const fetchMock = vi.fn<typeof fetch>(async (url, init) => {
      expect(String(url)).toBe("/api/auth/refresh");
      expect(JSON.parse(String(init?.body))).toEqual({ refresh_token: "refresh-1" });
      return Response.json({ access_token: "new-access", expires_in: 600, refresh_token: "refresh-2" });
    });
    vi.stubGlobal("fetch", fetchMock);
    const tokens = await Promise.all([accessToken(), accessToken(), accessToken()]);
    expect(tokens).toEqual(["new-access", "new-access", "new-access"]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(session.get()?.refreshToken).toBe("refresh-2");
    expect(JSON.parse(localStorage.getItem("matjip.session") ?? "{}").refreshToken).toBe("refresh-2");
  });

  it("ends the session when auth refuses the refresh token", async () => {
    vi.stubGlobal("fetch", vi.fn<typeof fetch>(async () => Response.json({ code: "refresh_token_reused" }, { status: 401 })));
    expect(await accessToken()).toBeNull();
    expect(session.get()).toBeNull();
    expect(localStorage.getItem("matjip.session")).toBeNull();
  });

  it("uses a token another tab already rotated instead of presenting the used one", async () => {
    const rotated = { ...stale, accessToken: "tab-2-access", accessExpiresAt: Date.now() + 600_000, refreshToken: "refresh-2" };
    localStorage.setItem("matjip.session", JSON.stringify(rotated));
    const fetchMock = vi.fn<typeof fetch>();
    vi.stubGlobal("fetch", fetchMock);
    expect(await accessToken()).toBe("tab-2-access");
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
