import { describe, expect, it } from "vitest";

import { translator } from "../i18n";
import { ApiError, NetworkError, describeError, fieldErrorsOf, problemOf } from "./problem";

const ko = translator("ko");
const en = translator("en");

describe("describeError", () => {
  it("says a known problem code as a sentence in the user's language", () => {
    const error = new ApiError(problemOf(409, { code: "order_not_cancellable", status: 409, detail: "ACCEPTED" }));
    expect(describeError(error, ko)).toBe("가게가 이미 주문을 수락해서 취소할 수 없어요.");
    expect(describeError(error, en)).toBe("The store already accepted this order, so it can no longer be cancelled.");
  });

  it("falls back on the status for a code it does not know, never on the raw detail", () => {
    const error = new ApiError(problemOf(503, { code: "something_new", detail: "Traceback (most recent call last)" }));
    expect(describeError(error, en)).toBe(en("problem.server"));
    const notProblemJson = new ApiError(problemOf(502, "<html>bad gateway</html>"));
    expect(describeError(notProblemJson, ko)).toBe(ko("problem.server"));
  });

  it("tells a dropped connection apart", () => {
    expect(describeError(new NetworkError(new TypeError("Failed to fetch")), ko)).toBe(ko("problem.network"));
  });
});

describe("fieldErrorsOf", () => {
  it("maps the server's field errors to sentences in the user's language", () => {
    const error = new ApiError(
      problemOf(422, {
        code: "validation_failed",
        errors: [
          { field: "postal_code", in: "body", message: "String should match pattern '^\\d{5}$'" },
          { field: "display_name", in: "body", message: "String should have at most 50 characters" },
          { field: "password", in: "body", message: "Value error, must be at least 10 characters" },
          { field: "email", in: "body", message: "value is not a valid email address: An email address must have an @-sign." },
        ],
      }),
    );
    expect(fieldErrorsOf(error, ko)).toEqual({
      postal_code: "형식이 맞지 않아요.",
      display_name: "50자 이하로 입력해 주세요.",
      password: "10자 이상 입력해 주세요.",
      email: "올바른 이메일 주소를 입력해 주세요.",
    });
  });
});
