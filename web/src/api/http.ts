// Typed clients of the services, generated from their OpenAPI documents (src/api/schema/*), all
// through the edge's /api/<service>/... Every request carries the current access token; a 401 gets
// one silent refresh and one retry.
import createClient from "openapi-fetch";

import type { paths as AiPaths } from "./schema/ai";
import type { paths as AuthPaths } from "./schema/auth";
import type { paths as NotificationPaths } from "./schema/notification";
import type { paths as OrderPaths } from "./schema/order";
import type { paths as PaymentPaths } from "./schema/payment";
import type { paths as StorePaths } from "./schema/store";
import type { paths as UserPaths } from "./schema/user";
import { ApiError, NetworkError, problemOf } from "./problem";
import { accessToken, refreshAccess, session } from "./session";

async function send(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    throw new NetworkError(error);
  }
}

async function withToken(request: Request, token: string | null): Promise<Response> {
  const headers = new Headers(request.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  return send(new Request(request, { headers }));
}

export async function authorizedFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  const response = await withToken(request, await accessToken());
  const current = session.get();
  if (response.status !== 401 || !current) return response;
  const renewed = await refreshAccess(current.refreshToken);
  return renewed ? withToken(retry, renewed.accessToken) : response;
}

const options = { baseUrl: "", fetch: authorizedFetch };

export const api = {
  ai: createClient<AiPaths>(options),
  auth: createClient<AuthPaths>(options),
  notification: createClient<NotificationPaths>(options),
  order: createClient<OrderPaths>(options),
  payment: createClient<PaymentPaths>(options),
  store: createClient<StorePaths>(options),
  user: createClient<UserPaths>(options),
};

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The body of a successful answer; an ApiError (problem+json) otherwise. */
export async function ok<T>(pending: Promise<Outcome<T>>): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw new ApiError(problemOf(response.status, error));
  return data as T;
}
