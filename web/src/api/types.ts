// The shapes the app reads and sends, named once, all from the generated OpenAPI types.
import type { components as Ai } from "./schema/ai";
import type { components as Order } from "./schema/order";
import type { components as Store } from "./schema/store";
import type { components as User } from "./schema/user";

export type StoreOut = Store["schemas"]["StoreOut"];
export type StoreCreate = Store["schemas"]["StoreCreate"];
export type StorePatch = Store["schemas"]["StorePatch"];
export type OpeningWindow = Store["schemas"]["OpeningWindowBody"];
export type StoreMenu = Store["schemas"]["MenuOut"];
export type MenuItem = Store["schemas"]["MenuItemOut"];
export type MenuItemCreate = Store["schemas"]["MenuItemCreate"];
export type MenuItemPatch = Store["schemas"]["MenuItemPatch"];
export type Category = Store["schemas"]["CategoryOut"];
export type InboxEntry = Store["schemas"]["InboxEntryOut"];
export type InboxStatus = InboxEntry["status"];
export type Review = Store["schemas"]["ReviewOut"];
export type ReviewPage = Store["schemas"]["ReviewPage"];

export type Cart = Order["schemas"]["CartOut"];
export type CartLine = Order["schemas"]["CartLineOut"];
export type PlacedOrder = Order["schemas"]["OrderOut"];
export type OrderStatus = PlacedOrder["status"];
export type OrderPage = Order["schemas"]["OrderPageOut"];
export type DaySales = Order["schemas"]["DaySalesOut"];

export type Address = User["schemas"]["AddressResponse"];
export type NewAddress = User["schemas"]["NewAddress"];
export type AddressChanges = User["schemas"]["AddressChanges"];
export type Profile = User["schemas"]["ProfileResponse"];

export type Answer = Ai["schemas"]["AnswerOut"];
export type Recommendation = Ai["schemas"]["RecommendationOut"];
