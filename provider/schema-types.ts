/** The parts of Pulumi's package schema this package writes: what the generator makes and the provider reads. */

/** A property's or an item's type. */
export interface TypeSpec {
    type?: "string" | "number" | "boolean" | "array" | "object";
    $ref?: string;
    items?: TypeSpec;
    additionalProperties?: TypeSpec;
    oneOf?: TypeSpec[];
    discriminator?: { propertyName: string; mapping: Record<string, string> };
    plain?: boolean;
}
export interface PropertySpec extends TypeSpec {
    description?: string;
    const?: string;
    secret?: boolean;
}
export interface ObjectTypeSpec {
    type: "object";
    description?: string;
    properties: Record<string, PropertySpec>;
    required?: string[];
}
export interface EnumTypeSpec {
    type: "string";
    description?: string;
    enum: { value: string; name?: string; description?: string }[];
}
export type ComplexTypeSpec = ObjectTypeSpec | EnumTypeSpec;

