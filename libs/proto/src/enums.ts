/**
 * Domain identifiers are kebab-case ("civil-first-instance"); protobuf-es enums drop the type
 * prefix ("CIVIL_FIRST_INSTANCE" for CASE_TYPE_CIVIL_FIRST_INSTANCE). These two functions map
 * one to the other by name, so a new enum value needs no hand-written table.
 */
type NumericEnum = Record<string, string | number>;

export function enumFromId<E extends NumericEnum>(e: E, id: string): E[keyof E] {
  const v = e[id.toUpperCase().replace(/-/g, "_")];
  if (typeof v !== "number") throw new Error(`no enum value for "${id}"`);
  return v as E[keyof E];
}

/** undefined for UNSPECIFIED (0) or a number the enum does not know. */
export function idFromEnum<T extends string>(e: NumericEnum, value: number): T | undefined {
  const name = e[value];
  if (typeof name !== "string" || value === 0) return undefined;
  return name.toLowerCase().replace(/_/g, "-") as T;
}
