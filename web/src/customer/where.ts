// Where the customer is: the device's position when the browser may tell, else the default saved address
// (when it carries a map location).
import { api, ok } from "../api/http";

export interface Place {
  lat: number;
  lng: number;
  source: "device" | "address";
  label?: string;
}

export function devicePosition(timeoutMs = 8000): Promise<{ lat: number; lng: number }> {
  return new Promise((resolve, reject) => {
    if (!("geolocation" in navigator)) {
      reject(new Error("no-geolocation"));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (position) => resolve({ lat: position.coords.latitude, lng: position.coords.longitude }),
      (error) => reject(new Error(error.message || "geolocation-failed")),
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 300_000 },
    );
  });
}

export async function findMe(canUseAddresses: boolean): Promise<Place> {
  try {
    return { ...(await devicePosition()), source: "device" };
  } catch (deviceError) {
    if (!canUseAddresses) throw deviceError;
  }
  const book = await ok(api.user.GET("/api/user/me/addresses"));
  const saved = book.find((a) => a.is_default && a.location) ?? book.find((a) => a.location);
  if (!saved?.location) throw new Error("no-location");
  return { lat: saved.location.lat, lng: saved.location.lng, source: "address", label: saved.label };
}
