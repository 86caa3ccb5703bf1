// A store's opening hours, by weekday, in the reader's language.
import type { OpeningWindow } from "../api/types";
import { useT } from "../i18n";

function hhmm(value: string): string {
  return value.slice(0, 5);
}

export function HoursList({ hours }: { hours: OpeningWindow[] }) {
  const t = useT();
  if (hours.length === 0) return <p class="meta">{t("hours.none")}</p>;
  const days = [0, 1, 2, 3, 4, 5, 6];
  return (
    <table>
      <tbody>
        {days.map((day) => {
          const windows = hours.filter((w) => w.weekday === day);
          return (
            <tr key={day}>
              <th scope="row">{t.weekday(day)}</th>
              <td>
                {windows.length === 0
                  ? t("hours.closed")
                  : windows
                      .map((w) => (hhmm(w.opens) === hhmm(w.closes) ? t("hours.allDay") : `${hhmm(w.opens)}–${hhmm(w.closes)}`))
                      .join(", ")}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
