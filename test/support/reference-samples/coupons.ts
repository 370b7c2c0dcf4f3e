// The reference API's sample payloads for coupons (issue, bulk issue, get), verbatim (the retail CRM's coupon API documentation;
// docs/api.md): the wire format that compatibility tests compare coupond's answers with.

export const issueRequest = {
  seriesId: 12313,
  customer: {
    id: 126080386,
    mobile: '',
    externalId: '',
    email: '',
  },
} as const;

export const issueResponse = {
  code: 'MGU9Y4PM',
  seriesId: 12313,
  description: '10 units',
  discountCode: 'NO_VALUE',
  validTill: '2119-07-10T00:00:00Z',
  discountType: 'ABS',
  discountValue: 10.0,
  discountUpto: 0.0,
  discountOn: 'BILL',
  detailedInfo: '10 units',
  customer: {
    id: 126080386,
    profiles: [
      {
        firstName: 'test',
        lastName: 'test',
        fields: {},
        identifiers: [
          {
            type: 'mobile',
            value: '917500000005',
          },
          {
            type: 'email',
            value: 'tom.sawyer@example.com',
          },
        ],
        commChannels: [],
        userId: 126080386,
        accountId: '',
        autoUpdateTime: '2021-05-12T15:06:57Z',
        identifiersAll: [
          {
            type: 'mobile',
            value: '917500000005',
          },
          {
            type: 'email',
            value: 'tom.sawyer@example.com',
          },
        ],
      },
    ],
  },
  redemptionCount: 0,
  id: 0,
  warnings: [],
} as const;

export const bulkIssueRequest = {
  seriesIds: [84093, 12313],
  customer: {
    id: '126080386',
  },
} as const;

export const bulkIssueResponse = {
  response: [
    {
      entityId: 12313,
      result: {
        code: 'L8H04VOZ',
        seriesId: 12313,
        description: '10 units',
        discountCode: 'NO_VALUE',
        validTill: '2119-07-10T00:00:00Z',
        discountType: 'ABS',
        discountValue: 10.0,
        discountUpto: 0.0,
        discountOn: 'BILL',
        detailedInfo: '10 units',
        redemptionCount: 0,
        id: 0,
      },
      errors: [],
      warnings: [],
    },
    {
      entityId: 84093,
      result: {
        code: 'U6ER8MJ5',
        seriesId: 84093,
        description: 'Test Marvel',
        discountCode: 'NO_VALUE',
        validTill: '2021-05-31T00:00:00Z',
        discountType: 'ABS',
        discountValue: 100.0,
        discountUpto: 0.0,
        discountOn: 'BILL',
        detailedInfo: 'Test Marvel',
        redemptionCount: 0,
        id: 0,
      },
      errors: [],
      warnings: [],
    },
  ],
  totalCount: 2,
  failureCount: 0,
} as const;

export const getCouponsResponse = {
  data: [
    {
      code: '1R7IOF17',
      seriesId: 84093,
      description: 'Test Marvel',
      discountCode: 'NO_VALUE',
      validTill: '2021-05-31T00:00:00Z',
      discountType: 'ABS',
      discountValue: 100.0,
      discountUpto: 0.0,
      discountOn: 'BILL',
      detailedInfo: 'Test Marvel',
    },
    {
      code: 'RNPQCPXI',
      seriesId: 84093,
      description: 'Test Marvel',
      discountCode: 'NO_VALUE',
      validTill: '2021-05-31T00:00:00Z',
      discountType: 'ABS',
      discountValue: 100.0,
      discountUpto: 0.0,
      discountOn: 'BILL',
      detailedInfo: 'Test Marvel',
    },
    {
      code: 'Z0452RAQ',
      seriesId: 84093,
      description: 'Test Marvel',
      discountCode: 'NO_VALUE',
      validTill: '2021-05-31T00:00:00Z',
      discountType: 'ABS',
      discountValue: 100.0,
      discountUpto: 0.0,
      discountOn: 'BILL',
      detailedInfo: 'Test Marvel',
    },
    {
      code: 'L6O2E1Q7',
      seriesId: 84093,
      description: 'Test Marvel',
      discountCode: 'NO_VALUE',
      validTill: '2021-05-31T00:00:00Z',
      discountType: 'ABS',
      discountValue: 100.0,
      discountUpto: 0.0,
      discountOn: 'BILL',
      detailedInfo: 'Test Marvel',
    },
    {
      code: 'HZXK4CFS',
      seriesId: 12646,
      description: 'Welcome ',
      discountCode: 'NO_VALUE',
      validTill: '2119-09-09T00:00:00Z',
      discountType: 'PERC',
      discountValue: 15.0,
      discountUpto: 0.0,
      discountOn: 'BILL',
      detailedInfo: 'Welcome ',
    },
  ],
  warnings: [],
  errors: [],
} as const;
