// The customer's account and the rest of the app around ordering: silent token rotation, signing out
// everywhere, delivery addresses with a map location, stores near me, asking a store, recommendations.
import { expect, test, type Page } from "@playwright/test";

import {
  PHONE,
  SEOUL_CITY_HALL,
  ownerMoves,
  placeOrder,
  shop,
  signInThroughTheApp,
  signUp,
  the,
  type Person,
} from "./support";

test.use(PHONE);

interface StoredSession {
  accessExpiresAt: number;
  refreshToken: string;
}

async function storedSession(page: Page): Promise<StoredSession | null> {
  return page.evaluate(() => JSON.parse(localStorage.getItem("matjip.session") ?? "null") as StoredSession | null);
}

/** Make the stored access token look about to expire, so the app's next request must refresh it. */
async function ageAccessToken(page: Page): Promise<void> {
  await page.evaluate(() => {
    const stored = JSON.parse(localStorage.getItem("matjip.session") ?? "{}") as StoredSession;
    localStorage.setItem("matjip.session", JSON.stringify({ ...stored, accessExpiresAt: Date.now() + 1000 }));
  });
}

test("the session rotates silently, and signing out everywhere ends the other devices' sessions", async ({ browser, request }) => {
  const customer: Person = await signUp(request, "CUSTOMER", "오하준");
  const phone = await browser.newContext(PHONE);
  const tablet = await browser.newContext(PHONE);
  const onPhone = await phone.newPage();
  const onTablet = await tablet.newPage();
  await signInThroughTheApp(onPhone, customer);
  await signInThroughTheApp(onTablet, customer);

  const before = await storedSession(onPhone);
  await ageAccessToken(onPhone);
  await onPhone.goto("/orders");
  await expect(onPhone.getByRole("heading", { name: "주문 내역" })).toBeVisible();
  await expect(onPhone.getByText("아직 주문한 적이 없어요.")).toBeVisible();
  const after = await storedSession(onPhone);
  expect(after?.refreshToken).toBeTruthy();
  expect(after?.refreshToken).not.toBe(before?.refreshToken);
  expect(after?.accessExpiresAt ?? 0).toBeGreaterThan(Date.now() + 60_000);

  await onPhone.goto("/account");
  await onPhone.getByRole("button", { name: "모든 기기에서 로그아웃" }).click();
  await expect(onPhone).toHaveURL(/\/signin$/);
  expect(await storedSession(onPhone)).toBeNull();

  // The tablet's next refresh is refused: it lands on the sign-in page and says why.
  await ageAccessToken(onTablet);
  await onTablet.goto("/orders");
  await expect(onTablet).toHaveURL(/\/signin/);
  await expect(onTablet.getByText("로그인이 만료되었어요. 다시 로그인해 주세요.")).toBeVisible();
  await phone.close();
  await tablet.close();
});

test("addresses keep a map location, and 'near me' falls back to it when the device will not tell", async ({ browser, request }) => {
  const { store } = await shop(request, [{ name: "쫄면", price: 7000 }]);
  const customer = await signUp(request, "CUSTOMER", "임지호");
  const context = await browser.newContext({ ...PHONE, geolocation: SEOUL_CITY_HALL, permissions: ["geolocation"] });
  const page = await context.newPage();
  await signInThroughTheApp(page, customer);
  await page.goto("/account");

  await page.getByRole("button", { name: "주소 추가" }).click();
  await page.getByLabel("이름", { exact: true }).fill("회사");
  await page.getByLabel("주소", { exact: true }).fill("서울특별시 중구 세종대로 110");
  await page.getByLabel("우편번호").fill("0452");
  await page.getByRole("button", { name: "저장", exact: true }).last().click();
  await expect(page.getByText("우편번호는 숫자 5자리예요.")).toBeVisible();
  await page.getByLabel("우편번호").fill("04524");
  await page.getByRole("button", { name: "지금 위치를 이 주소의 위치로 저장" }).click();
  await expect(page.getByText("지도 위치 저장됨")).toBeVisible();
  await page.getByRole("button", { name: "저장", exact: true }).last().click();
  const office = page.getByTestId("address").filter({ hasText: "회사" });
  await expect(office).toContainText("기본 주소");
  await expect(office).toContainText("지도 위치 저장됨");

  await page.getByRole("button", { name: "주소 추가" }).click();
  await page.getByLabel("이름", { exact: true }).fill("집");
  await page.getByLabel("주소", { exact: true }).fill("서울특별시 마포구 양화로 45");
  await page.getByLabel("우편번호").fill("04036");
  await page.getByRole("button", { name: "저장", exact: true }).last().click();
  const home = page.getByTestId("address").filter({ hasText: "집" });
  await home.getByRole("button", { name: "수정" }).click();
  await page.getByLabel("배달 요청 사항").fill("문 앞에 놓아 주세요");
  await page.getByRole("button", { name: "저장", exact: true }).last().click();
  await expect(home).toContainText("문 앞에 놓아 주세요");
  await home.getByRole("button", { name: "기본 주소로" }).click();
  await expect(home).toContainText("기본 주소");
  await home.getByRole("button", { name: "삭제" }).click();
  await expect(page.getByTestId("address")).toHaveCount(1);
  await expect(office).toContainText("기본 주소");

  // The device's position is no longer allowed: "near me" uses the saved address's location.
  await context.clearPermissions();
  await page.goto("/");
  await page.getByRole("button", { name: "내 주변" }).click();
  await expect(page.getByText("저장한 주소 '회사'로 배달하는 가게예요.")).toBeVisible();
  // Narrowed by name: the shared test platform holds many stores at the same spot (every test's shop),
  // more than one page of them; the search keeps the address's location.
  await page.getByLabel("가게 이름으로 찾기").fill(store.name);
  await page.getByRole("button", { name: "찾기" }).click();
  await expect(page.getByText("저장한 주소 '회사'로 배달하는 가게예요.")).toBeVisible();
  await expect(page.getByRole("link", { name: new RegExp(store.name) })).toBeVisible();
  await context.close();
});

test("a customer asks a store and gets the answer quoted from its reviews, and sees recommendations", async ({ page, request }) => {
  const { owner, store, dishes } = await shop(request, [{ name: "매운떡볶이", price: 8000 }]);
  const regular = await signUp(request, "CUSTOMER", "단골손님");
  const orderId = await placeOrder(request, regular, store, the(dishes));
  await expect.poll(async () => (await request.get(`/api/store/stores/${store.id}/orders/${orderId}`, { headers: { Authorization: `Bearer ${owner.token}` } })).status()).toBe(200);
  for (const [step, body] of [["accept", { prep_minutes: 10 }], ["preparing"], ["ready"], ["picked-up"]] as const) {
    await ownerMoves(request, owner, store, orderId, step, body);
  }
  const review = {
    order_id: orderId,
    rating: 4,
    text: "매운떡볶이는 정말 많이 매워요. 매운 걸 좋아하면 추천해요.",
    menu_item_ids: [the(dishes).id],
  };
  await expect
    .poll(async () =>
      (await request.post(`/api/store/stores/${store.id}/reviews`, { data: review, headers: { Authorization: `Bearer ${regular.token}` } })).status(),
    )
    .toBe(201);

  const customer = await signUp(request, "CUSTOMER", "새손님");
  await signInThroughTheApp(page, customer);
  await expect(page.getByRole("heading", { name: "추천 메뉴" })).toBeVisible();
  // A customer without orders is recommended the most ordered dishes, which ai learns from events.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("recommendations").getByRole("link").first()).toContainText("원", { timeout: 3_000 });
  }).toPass({ timeout: 60_000 });

  await page.goto(`/stores/${store.id}`);
  await page.getByLabel("궁금한 점").fill("떡볶이 많이 매워요?");
  // The ai service learns reviews from events: ask until it has this one.
  await expect(async () => {
    await page.getByRole("button", { name: "물어보기" }).click();
    await expect(page.getByTestId("answer")).toContainText("정말 많이 매워요", { timeout: 3_000 });
  }).toPass({ timeout: 60_000 });
  const answer = page.getByTestId("answer");
  await expect(answer.getByRole("img", { name: "별 4개" })).toBeVisible();
  await expect(answer).toContainText("매운떡볶이 · 8,000원");
});
