// What the browser tests share: people and stores made through the platform's own APIs, signing in
// through the app, and checks every page must pass.
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";

import { AxeBuilder } from "@axe-core/playwright";
import { expect, type APIRequestContext, type BrowserContextOptions, type Page } from "@playwright/test";

export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 860 } };

export const SEOUL_CITY_HALL = { latitude: 37.5665, longitude: 126.978 };
const ALWAYS_OPEN = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opens: "00:00", closes: "00:00" }));

export interface Person {
  email: string;
  password: string;
  name: string;
  role: "CUSTOMER" | "OWNER";
  userId: string;
  token: string;
}

export interface Store {
  id: string;
  name: string;
}

export interface Dish {
  id: string;
  name: string;
  price: number;
}

/** The item at `index`, which the test knows is there. */
export function the<T>(items: readonly T[], index = 0): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index} in a list of ${items.length}`);
  return item;
}

export function unique(): string {
  return randomUUID().replace(/-/g, "").slice(0, 8);
}

async function json<T>(response: Awaited<ReturnType<APIRequestContext["get"]>>, status: number): Promise<T> {
  expect(response.status(), `${response.url()}: ${await response.text()}`).toBe(status);
  return (await response.json()) as T;
}

function bearer(person: Person) {
  return { Authorization: `Bearer ${person.token}` };
}

export async function logIn(api: APIRequestContext, person: Omit<Person, "token" | "userId"> & Partial<Person>): Promise<Person> {
  const tokens = await json<{ access_token: string }>(
    await api.post("/api/auth/login", { data: { email: person.email, password: person.password } }),
    200,
  );
  const me = await json<{ user_id: string }>(
    await api.get("/api/auth/me", { headers: { Authorization: `Bearer ${tokens.access_token}` } }),
    200,
  );
  return { ...person, userId: me.user_id, token: tokens.access_token } as Person;
}

export async function signUp(api: APIRequestContext, role: Person["role"], name: string): Promise<Person> {
  const email = `${role.toLowerCase()}-${unique()}@matjip.test`;
  const password = `pw-${unique()}-${unique()}`;
  await json(await api.post("/api/auth/signup", { data: { email, password, display_name: name, role } }), 201);
  const person = await logIn(api, { email, password, name, role });
  // The profile arrives in the user service through auth's event.
  await expect.poll(async () => (await api.get("/api/user/me", { headers: bearer(person) })).status()).toBe(200);
  return person;
}

export async function openStore(api: APIRequestContext, owner: Person, name: string, overrides: object = {}): Promise<Store> {
  const body = {
    name,
    description: "떡볶이와 김밥이 맛있는 분식집",
    address: "서울특별시 중구 세종대로 110",
    timezone: "Asia/Seoul",
    opening_hours: ALWAYS_OPEN,
    delivery_area: { lat: SEOUL_CITY_HALL.latitude, lng: SEOUL_CITY_HALL.longitude, radius_m: 3000 },
    ...overrides,
  };
  return json<Store>(await api.post("/api/store/stores", { data: body, headers: bearer(owner) }), 201);
}

export async function addDish(
  api: APIRequestContext,
  owner: Person,
  store: Store,
  dish: { name: string; price: number; stock?: number | null },
): Promise<Dish> {
  const body = { name: dish.name, price: dish.price, stock_quantity: dish.stock ?? null };
  return json<Dish>(await api.post(`/api/store/stores/${store.id}/menu-items`, { data: body, headers: bearer(owner) }), 201);
}

/** order learns menus from store's events: wait until it sells these dishes. */
export async function waitSellable(api: APIRequestContext, store: Store, dishes: Dish[]): Promise<void> {
  await expect
    .poll(
      async () => {
        const response = await api.get(`/api/order/stores/${store.id}/menu`);
        if (response.status() !== 200) return false;
        const menu = (await response.json()) as { store: { open_now: boolean }; items: { menu_item_id: string; sold_out: boolean }[] };
        const items = new Map(menu.items.map((i) => [i.menu_item_id, i]));
        return menu.store.open_now && dishes.every((d) => items.has(d.id) && !items.get(d.id)?.sold_out);
      },
      { timeout: 60_000, message: "order's read model to sell the dishes" },
    )
    .toBe(true);
}

export async function shop(api: APIRequestContext, dishes: { name: string; price: number; stock?: number | null }[]) {
  const owner = await signUp(api, "OWNER", "김사장");
  const store = await openStore(api, owner, `맛집분식 ${unique()}`);
  const made: Dish[] = [];
  for (const dish of dishes) made.push(await addDish(api, owner, store, dish));
  await waitSellable(api, store, made);
  return { owner, store, dishes: made };
}

export async function putInCart(api: APIRequestContext, customer: Person, dish: Dish, quantity: number): Promise<void> {
  await json(
    await api.put(`/api/order/cart/items/${dish.id}`, { data: { quantity, option_ids: [] }, headers: bearer(customer) }),
    200,
  );
}

export async function placeOrder(api: APIRequestContext, customer: Person, store: Store, dish: Dish): Promise<string> {
  const order = await json<{ order_id: string }>(
    await api.post("/api/order/orders", {
      data: { store_id: store.id, lines: [{ menu_item_id: dish.id, quantity: 1 }] },
      headers: { ...bearer(customer), "Idempotency-Key": unique() + unique() },
    }),
    201,
  );
  return order.order_id;
}

export async function ordersOf(api: APIRequestContext, customer: Person): Promise<{ order_id: string; status: string }[]> {
  return (await json<{ items: { order_id: string; status: string }[] }>(await api.get("/api/order/orders", { headers: bearer(customer) }), 200))
    .items;
}

export async function orderOf(api: APIRequestContext, person: Person, orderId: string) {
  return json<{ status: string; cancel_reason: string | null; cancel_detail: string | null }>(
    await api.get(`/api/order/orders/${orderId}`, { headers: bearer(person) }),
    200,
  );
}

export async function ownerMoves(api: APIRequestContext, owner: Person, store: Store, orderId: string, step: string, body?: object) {
  await json(
    await api.post(`/api/store/stores/${store.id}/orders/${orderId}/${step}`, { data: body ?? {}, headers: bearer(owner) }),
    200,
  );
}

/** Tell the sandbox payment gateway how to treat this customer's payments. */
export async function payLike(api: APIRequestContext, customer: Person, behaviour: "approve" | "decline"): Promise<void> {
  await json(await api.put(`/api/sandbox-pg/scenarios/${customer.userId}`, { data: { behaviour } }), 200);
}

export async function signInThroughTheApp(page: Page, person: Person): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel(/^(이메일|Email)$/).fill(person.email);
  await page.getByLabel(/^(비밀번호|Password)$/).fill(person.password);
  await page.getByRole("button", { name: /^(로그인|Sign in)$/ }).click();
  await expect(page).not.toHaveURL(/\/signin/);
}

/** Mark the document, to prove later that the page was never reloaded. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { matjipSameDocument: boolean }).matjipSameDocument = true;
  });
}

export async function stillTheSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { matjipSameDocument?: boolean }).matjipSameDocument === true);
}

/** Every catalogue key rendered as text: none missing (⟦key⟧), no placeholder left unfilled ({name}). */
export async function expectNoMissingText(page: Page): Promise<void> {
  const text = await page.locator("body").innerText();
  expect(text, "a catalogue key is missing").not.toMatch(/⟦[^⟧]*⟧/);
  expect(text, "a placeholder was left unfilled").not.toMatch(/\{[a-z]\w*\}/);
  expect(text.trim().length).toBeGreaterThan(0);
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const severe = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(severe, `axe on ${page.url()}`).toEqual([]);
}

export const SCREENSHOTS = "test-results/screenshots";

/** A picture of the page for people (the README's screenshots come from these). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true, animations: "disabled" });
}

/** Counts the chimes the owner's console plays (Web Audio oscillators started). */
export function countChimes(): void {
  const counted = window as unknown as { matjipChimes: number };
  counted.matjipChimes = 0;
  const original = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function (this: AudioContext) {
    counted.matjipChimes += 1;
    return original.call(this);
  };
}

export async function chimes(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { matjipChimes?: number }).matjipChimes ?? 0);
}
