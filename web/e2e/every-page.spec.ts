// Every page, in Korean and in English: all text from the catalogues (no missing key, no unfilled
// placeholder), the document's language set, and no serious or critical accessibility violation (axe).
import { expect, test, type Browser, type BrowserContextOptions, type Page } from "@playwright/test";

import {
  DESKTOP,
  PHONE,
  expectAccessible,
  expectNoMissingText,
  ownerMoves,
  placeOrder,
  putInCart,
  screenshot,
  shop,
  signInThroughTheApp,
  signUp,
  the,
  type Person,
} from "./support";

type Locale = "ko" | "en";

async function visitAs(browser: Browser, options: BrowserContextOptions, locale: Locale, person: Person | null) {
  const context = await browser.newContext(options);
  await context.addInitScript((chosen) => localStorage.setItem("matjip.locale", chosen), locale);
  const page = await context.newPage();
  if (person) await signInThroughTheApp(page, person);
  return { context, page };
}

async function check(page: Page, path: string, locale: Locale, ready: (page: Page) => Promise<void>, picture?: string) {
  await page.goto(path);
  await ready(page);
  await expect(page.locator("html")).toHaveAttribute("lang", locale);
  await expect(page.getByRole("status").filter({ hasText: /^(불러오는 중…|Loading…)$/ })).toHaveCount(0);
  await expectNoMissingText(page);
  await expectAccessible(page);
  if (picture && locale === "ko") await screenshot(page, picture);
}

const heading = (name: RegExp | string) => async (page: Page) => {
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
};

for (const locale of ["ko", "en"] as const) {
  test(`every page reads fully and accessibly in ${locale === "ko" ? "Korean" : "English"}`, async ({ browser, request }) => {
    const { owner, store, dishes } = await shop(request, [
      { name: "떡볶이", price: 9000 },
      { name: "김밥", price: 4500, stock: 3 },
    ]);
    const customer = await signUp(request, "CUSTOMER", "이서연");
    const done = await placeOrder(request, customer, store, the(dishes));
    await expect.poll(async () => (await request.get(`/api/store/stores/${store.id}/orders/${done}`, { headers: { Authorization: `Bearer ${owner.token}` } })).status()).toBe(200);
    for (const [step, body] of [["accept", { prep_minutes: 15 }], ["preparing"], ["ready"], ["picked-up"]] as const) {
      await ownerMoves(request, owner, store, done, step, body);
    }
    const waiting = await placeOrder(request, customer, store, the(dishes, 1));
    await putInCart(request, customer, the(dishes), 2);
    const t = locale === "ko";

    const guest = await visitAs(browser, PHONE, locale, null);
    await check(guest.page, "/", locale, heading(t ? "오늘 뭐 먹지?" : "What shall we eat?"));
    await check(guest.page, "/signin", locale, heading(t ? "로그인" : "Sign in"));
    await check(guest.page, "/signup", locale, heading(t ? "회원가입" : "Sign up"));
    await check(guest.page, "/no-such-page", locale, heading(t ? "페이지를 찾을 수 없어요" : "Page not found"));
    await guest.context.close();

    const phone = await visitAs(browser, PHONE, locale, customer);
    await check(phone.page, "/", locale, heading(t ? "오늘 뭐 먹지?" : "What shall we eat?"));
    await check(phone.page, `/stores/${store.id}`, locale, heading(store.name), "customer-store-menu");
    await check(phone.page, "/cart", locale, heading(t ? "장바구니" : "Cart"));
    await check(phone.page, "/orders", locale, heading(t ? "주문 내역" : "Your orders"), "customer-orders");
    await check(phone.page, `/orders/${done}`, locale, async (page) => {
      await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "COMPLETED");
      await expect(page.getByRole("heading", { name: t ? "리뷰 쓰기" : "Write a review" })).toBeVisible();
    });
    await check(phone.page, `/orders/${waiting}`, locale, async (page) => {
      await expect(page.getByTestId("order-status")).toBeVisible();
    });
    await check(phone.page, "/account", locale, async (page) => {
      await expect(page.getByRole("heading", { name: t ? "배달 주소" : "Delivery addresses" })).toBeVisible();
      await expect(page.getByLabel(t ? "이름(닉네임)" : "Name")).toHaveValue("이서연");
    });
    await phone.context.close();

    const desk = await visitAs(browser, DESKTOP, locale, owner);
    await check(desk.page, "/owner", locale, heading(t ? "내 가게" : "My stores"));
    await check(desk.page, `/owner/stores/${store.id}`, locale, async (page) => {
      await expect(page.getByTestId("sales")).toBeVisible();
    });
    await check(desk.page, `/owner/stores/${store.id}/menu`, locale, async (page) => {
      await expect(page.getByTestId("menu-editor-item")).toHaveCount(2);
    });
    await check(desk.page, `/owner/stores/${store.id}/settings`, locale, async (page) => {
      await expect(page.getByRole("heading", { name: t ? "영업시간" : "Opening hours" })).toBeVisible();
    });
    await check(desk.page, `/owner/stores/${store.id}/reviews`, locale, async (page) => {
      await expect(page.getByText(t ? "아직 리뷰가 없어요." : "No reviews yet.")).toBeVisible();
    });
    await desk.context.close();
  });
}
