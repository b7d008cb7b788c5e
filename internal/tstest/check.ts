// Compiled with tsc --strict against the types openapi-typescript generates from the dashboard's
// openapi.json (app/openapi_ts_test.go): no casts, no non-null assertions.
import type { components } from "./api";

type Indicator = components["schemas"]["indicator"];
type Datapoint = components["schemas"]["datapoint"];
type ApiError = components["schemas"]["Error"];
type SetAnswer = components["schemas"]["indicator_list"];

// id and resource_uri are never undefined.
export function label(i: Indicator): string {
  const id: number = i.id;
  const uri: string = i.resource_uri;
  return `${id} ${uri}`;
}

// An expanded relation (depth=1) is the related object's type, or null.
export function indicatorName(d: Datapoint): string | undefined {
  const rel = d.indicator;
  if (rel === null || rel === undefined) {
    return undefined;
  }
  const id: number = rel.id;
  return `${id}: ${rel.name ?? ""}`;
}

// The error's details are typed.
export function describe(e: ApiError): string {
  const missing: string[] = e.details.missing ?? [];
  const param: string | undefined = e.details.parameter;
  const fields: Record<string, string> = e.details.fields ?? {};
  const run: number | undefined = e.details.run_id;
  return `${e.code} ${param ?? ""} ${missing.join(",")} ${Object.keys(fields).join(",")} ${run ?? ""}`;
}

// A list page: its objects are indicators.
export function firstID(page: SetAnswer): number | undefined {
  return page.objects[0]?.id;
}
