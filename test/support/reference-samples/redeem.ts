// The reference API's sample payloads for redemption (PUT /v2/coupon/redeem, is_redeemable, the single and bulk redeem calls), verbatim (the retail CRM's coupon API documentation;
// docs/api.md): the wire format that compatibility tests compare coupond's answers with.

export const redeemRequest = {
  billAmount: '2000',
  transactionNumber: 'numbr9227550121',
  user: {
    mobile: '9177121900000',
  },
  redemptionTime: '2019-04-04 11:49:59',
  redemptionRequestList: [
    {
      code: '9NUF8THR',
    },
  ],
} as const;

export const redeemResponse = {
  redemption: [
    {
      id: 33138363,
      warnings: [],
      appendedErrorMessage: '',
      code: 'JL07UAZ3',
      discountCode: 'MobilePush',
      seriesCode: 14162,
      isAbsolute: false,
      couponValue: 10.0,
    },
  ],
  redemptionStatus: {
    status: true,
    code: 700,
    message: 'Coupon processing successful',
  },
  customer: {
    id: 342963216,
    profiles: [
      {
        firstName: 'Tom',
        lastName: 'Sawyer',
        fields: {},
        identifiers: [
          {
            type: 'mobile',
            value: '919999000000',
          },
        ],
        commChannels: [],
        userId: 342963216,
        accountId: '',
        autoUpdateTime: '2019-10-31T17:41:25+05:30',
      },
    ],
  },
  warnings: [],
} as const;

export const isRedeemableResponse = {
  customer: {
    id: 325666373,
    profiles: [
      {
        accountId: '',
        autoUpdateTime: '2019-04-04T11:47:28+05:30',
        commChannels: [],
        fields: {},
        firstName: 'firstName_667095',
        identifiers: [
          {
            type: 'email',
            value: 'autoemail7601667095@gmail.com',
          },
          {
            type: 'externalId',
            value: 'ext_id7601667095',
          },
          {
            type: 'mobile',
            value: '917601667095',
          },
        ],
        lastName: 'lastName_667095',
        userId: 325666373,
      },
    ],
  },
  redemption: [
    {
      appendedErrorMessage: '',
      code: '6B88U6ED',
      isAbsolute: false,
      isRedeemable: true,
      numberOfRedemptionsByUser: 0,
      redemptionsLeft: -1,
      warnings: [],
    },
    {
      appendedErrorMessage: '',
      code: 'V080OLI6',
      isAbsolute: false,
      isRedeemable: true,
      numberOfRedemptionsByUser: 0,
      redemptionsLeft: -1,
      warnings: [],
    },
  ],
  redemptionStatus: {
    code: 700,
    message: 'Coupon isRedeem successful',
    status: true,
  },
  warnings: [],
} as const;

export const redeemSingleRequest = {
  redemptionRequestList: [
    {
      code: 'MGU9Y4PM',
    },
  ],
  user: {
    mobile: '917575757575',
  },
  transactionNumber: 'ZDCsdss',
  billAmount: '2000',
  redemptionTime: '2020-06-12',
} as const;

export const redeemSingleResponse = {
  redemption: [
    {
      id: 369455787,
      currencyInput: false,
      localToBaseCurrencyExchangeRate: 0,
      warnings: [],
      appendedErrorMessage: '',
      code: 'MGU9Y4PM',
      discountCode: 'NO_VALUE',
      seriesCode: 12313,
      isAbsolute: true,
      couponValue: 10.0,
      redemptionStatus: {
        statusCode: {
          status: true,
          message: 'Coupon processing successful',
          code: 700,
        },
        warnings: [],
        warningsAsStatusCode: [],
        message: 'Coupon processing successful',
        code: 700,
        success: true,
      },
      discountType: 'ABS',
      discountValue: 10,
      discountUpto: 0,
    },
  ],
  redemptionStatus: {
    status: true,
    message: 'Coupon processing successful',
    code: 700,
  },
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
            value: '917500000000',
          },
          {
            type: 'email',
            value: 'tom.sawyer@test.com',
          },
        ],
        commChannels: [],
        userId: 126080386,
        accountId: '',
        autoUpdateTime: '2021-05-12T15:18:01Z',
        identifiersAll: [
          {
            type: 'mobile',
            value: '917500000000',
          },
          {
            type: 'email',
            value: 'tom.sawyer@test.com',
          },
        ],
      },
    ],
  },
  warnings: [],
} as const;

export const bulkRedeemRequest = {
  redemptionRequestList: [
    {
      code: 'U6ER8MJ5',
    },
    {
      code: 'U6ER8MH9',
    },
  ],
  redemptionTime: '2021-05-12 19:18:30',
  transactionNumber: 'numbr9435064964',
  user: {
    id: 126080386,
  },
  billAmount: '2000',
} as const;

export const bulkRedeemResponse = {
  response: [
    {
      entityId: 369454015,
      result: {
        id: 369454015,
        currencyInput: false,
        localToBaseCurrencyExchangeRate: 0,
        warnings: [],
        appendedErrorMessage: '',
        code: 'U6ER8MJ5',
        discountCode: 'NO_VALUE',
        seriesCode: 84093,
        isAbsolute: true,
        couponValue: 100.0,
        redemptionStatus: {
          statusCode: {
            status: true,
            message: 'Coupon processing successful',
            code: 700,
          },
          warnings: [],
          warningsAsStatusCode: [],
          message: 'Coupon processing successful',
          code: 700,
          success: true,
        },
        discountType: 'ABS',
        discountValue: 100,
        discountUpto: 0,
      },
      errors: [],
    },
  ],
  totalCount: 1,
  failureCount: 0,
} as const;
