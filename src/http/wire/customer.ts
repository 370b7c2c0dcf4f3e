// The reference's `customer` object, and the bodies and queries of the customer routes (docs/api.md §4).
import Type, { type Static } from 'typebox';
import { instantToWire } from '../../domain/clock.js';
import type { Customer } from '../../domain/customer.js';
import type { LookupQuery, RegisterInput } from '../../services/customers.js';
import { Warnings } from './common.js';

const IdentifierType = Type.Enum(['mobile', 'email', 'externalId', 'cardNumber', 'cardExternalId']);

const Identifier = Type.Object({ type: IdentifierType, value: Type.String() });

const Profile = Type.Object({
  firstName: Type.String(),
  lastName: Type.String(),
  fields: Type.Object({}),
  identifiers: Type.Array(Identifier),
  commChannels: Type.Array(Type.Unknown()),
  userId: Type.Integer(),
  accountId: Type.String(),
  autoUpdateTime: Type.String({ description: 'last change, ISO-8601 UTC' }),
  identifiersAll: Type.Array(Identifier),
});

export const CustomerReply = Type.Object(
  { id: Type.Integer(), profiles: Type.Array(Profile) },
  { description: "The reference's customer object" },
);
export type CustomerReply = Static<typeof CustomerReply>;

/** The reference's customer object: identifiers present only, in the order mobile, email, externalId. */
export function toCustomerReply(c: Customer): CustomerReply {
  const identifiers: { type: 'mobile' | 'email' | 'externalId'; value: string }[] = [];
  if (c.mobile !== null) identifiers.push({ type: 'mobile', value: c.mobile });
  if (c.email !== null) identifiers.push({ type: 'email', value: c.email });
  if (c.externalId !== null) identifiers.push({ type: 'externalId', value: c.externalId });
  return {
    id: c.id,
    profiles: [
      {
        firstName: c.firstName ?? '',
        lastName: c.lastName ?? '',
        fields: {},
        identifiers,
        commChannels: [],
        userId: c.id,
        accountId: '',
        autoUpdateTime: instantToWire(c.updatedAt),
        identifiersAll: identifiers.map((i) => ({ ...i })),
      },
    ],
  };
}

// Identifier values stay loose here (a number is read as its digits): a malformed one is 721, not 629.
const IdentifierValue = Type.Union([Type.String({ maxLength: 320 }), Type.Number()]);
const Name = Type.Union([Type.String({ maxLength: 200 }), Type.Null()]);

export const RegisterBody = Type.Object(
  {
    profiles: Type.Optional(
      Type.Array(
        Type.Object({
          firstName: Type.Optional(Name),
          lastName: Type.Optional(Name),
          identifiers: Type.Optional(
            Type.Array(
              Type.Object({ type: IdentifierType, value: Type.Union([IdentifierValue, Type.Null()]) }),
            ),
          ),
        }),
        { maxItems: 1, description: "the reference's profile shape: one profile" },
      ),
    ),
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    mobile: Type.Optional(Type.Union([IdentifierValue, Type.Null()])),
    email: Type.Optional(Type.Union([IdentifierValue, Type.Null()])),
    externalId: Type.Optional(Type.Union([IdentifierValue, Type.Null()])),
    cardNumber: Type.Optional(Type.Union([IdentifierValue, Type.Null()])),
    cardExternalId: Type.Optional(Type.Union([IdentifierValue, Type.Null()])),
  },
  { description: 'the profile shape or the flat shape; identifiers may be given in either' },
);
export type RegisterBody = Static<typeof RegisterBody>;

export const RegisterReply = Type.Object({
  customer: CustomerReply,
  created: Type.Boolean({ description: 'false when the identifiers named an existing customer' }),
  warnings: Warnings,
});

/** A customer named in a query string by any one identifier (docs/api.md §4). */
export const CustomerIdentifierQuery = {
  id: Type.Optional(Type.String()),
  mobile: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  externalId: Type.Optional(Type.String()),
  cardNumber: Type.Optional(Type.String({ description: 'a card the customer holds' })),
  cardExternalId: Type.Optional(
    Type.String({ description: 'a card the customer holds, by its external id' }),
  ),
};

export const LookupQuerySchema = Type.Object(CustomerIdentifierQuery);
export type LookupQuerySchema = Static<typeof LookupQuerySchema>;

export const LookupReply = Type.Object({ customer: CustomerReply, warnings: Warnings });

/** Reads either body shape: the flat identifiers first, then the profile's, as the service will see them. */
export function fromRegisterBody(body: RegisterBody): RegisterInput {
  const profile = body.profiles?.[0];
  const identifiers: RegisterInput['identifiers'] = [];
  if (body.mobile !== undefined) identifiers.push({ type: 'mobile', value: body.mobile });
  if (body.email !== undefined) identifiers.push({ type: 'email', value: body.email });
  if (body.externalId !== undefined) identifiers.push({ type: 'externalId', value: body.externalId });
  if (body.cardNumber !== undefined) identifiers.push({ type: 'cardNumber', value: body.cardNumber });
  if (body.cardExternalId !== undefined)
    identifiers.push({ type: 'cardExternalId', value: body.cardExternalId });
  for (const i of profile?.identifiers ?? []) identifiers.push({ type: i.type, value: i.value });
  return {
    identifiers,
    firstName: profile?.firstName ?? body.firstName ?? null,
    lastName: profile?.lastName ?? body.lastName ?? null,
  };
}

export function fromLookupQuery(q: LookupQuerySchema): LookupQuery {
  return {
    id: q.id,
    mobile: q.mobile,
    email: q.email,
    externalId: q.externalId,
    cardNumber: q.cardNumber,
    cardExternalId: q.cardExternalId,
  };
}
