// The reference API's sample payloads for coupon uploads (codes, redeemed coupons, upload status), verbatim (the retail CRM's coupon API documentation;
// docs/api.md): the wire format that compatibility tests compare coupond's answers with.

export const uploadCodesResponse = {
  success: true,
  status: 200,
  result: {
    orgId: 0,
    couponSeriesId: 123,
    uploadJobStatuses: [
      {
        jobId: 1,
        uploadStatus: 'STARTED',
        createdOn: '1601835836973',
        updatedOn: '1601835836973',
        errorFileUrl: null,
        successFileUrl: null,
        uploadedFileUrl: 'couponCode_1601835836573_123.csv',
        totalUploadedCount: 0,
        actualRowCount: 0,
        errorCount: 0,
        uploadTableName: null,
        uploadedFileName: 'couponCode.csv',
        audienceGroupId: 0,
        audienceGroupVersionId: 0,
      },
    ],
    fileName: 'couponCode_1601835836573_123.csv',
  },
} as const;

export const uploadRedeemedResponse = {
  success: true,
  status: 200,
  result: {
    orgId: 9619,
    couponSeriesId: 953234,
    redeemUploadJobStatuses: [
      {
        jobId: 9137,
        uploadRedeemedCouponStatus: 'QUEUED',
        createdOn: '1603263535389',
        updatedOn: '1603263535389',
        errorFileUrl: null,
        successFileUrl: null,
        uploadedFileUrl: 'couponCode_9603263533789_253294.csv',
        totalUploadedCount: 0,
        actualRowCount: 0,
        errorCount: 0,
        uploadTableName: null,
        uploadedFileName: 'couponCode_9603263533789_253294.csv',
      },
    ],
    fileName: 'couponCode_9603263533789_253294.csv',
  },
} as const;

export const uploadStatusResponse = {
  success: true,
  status: 200,
  result: {
    orgId: 2345,
    couponSeriesId: 253543,
    uploadJobStatuses: [
      {
        jobId: 93477,
        uploadStatus: 'FINISHED',
        createdOn: '1603101625000',
        updatedOn: '1603101632000',
        errorFileUrl: 'error_1619_2532342020_10_19_15_30_32',
        successFileUrl: null,
        uploadedFileUrl: 'couponCode_1603101623721_253234.csv',
        totalUploadedCount: 3,
        actualRowCount: 3,
        errorCount: 3,
        uploadTableName: 'temp_1619_20201019_153531582',
        uploadedFileName: 'couponCode.csv',
        audienceGroupId: 0,
        audienceGroupVersionId: 0,
      },
    ],
  },
} as const;

export const redeemedUploadStatusResponse = {
  success: true,
  status: 200,
  result: {
    orgId: 9838,
    couponSeriesId: 909234,
    redeemUploadJobStatuses: [
      {
        jobId: 4455,
        uploadRedeemedCouponStatus: 'COMPLETED',
        createdOn: '1603132200000',
        updatedOn: '1603132200000',
        errorFileUrl: 'error_redemption_upload_1619_2532342020_10_20_14_17_00',
        successFileUrl: null,
        uploadedFileUrl: 'couponCode_1603183613031_253234.csv',
        totalUploadedCount: 1,
        actualRowCount: 1,
        errorCount: 1,
        uploadTableName: 'temp_redemption_upload_1619_20201020_141700172',
        uploadedFileName: 'couponCode_1603183613081_259234.csv',
      },
      {
        jobId: 4456,
        uploadRedeemedCouponStatus: 'COMPLETED',
        createdOn: '1603132200000',
        updatedOn: '1603132200000',
        errorFileUrl: 'error_redemption_upload_1619_2532342020_10_20_17_33_14',
        successFileUrl: null,
        uploadedFileUrl: 'couponCode_1603195385330_253234.csv',
        totalUploadedCount: 1,
        actualRowCount: 1,
        errorCount: 1,
        uploadTableName: 'temp_redemption_upload_1619_20201020_173313820',
        uploadedFileName: 'couponCode_1603195345330_253564.csv',
      },
      {
        jobId: 4457,
        uploadRedeemedCouponStatus: 'COMPLETED',
        createdOn: '1603218600000',
        updatedOn: '1603218600000',
        errorFileUrl: 'error_redemption_upload_1619_2532342020_10_21_12_29_00',
        successFileUrl: null,
        uploadedFileUrl: 'couponCode_1603263533789_253234.csv',
        totalUploadedCount: 1,
        actualRowCount: 1,
        errorCount: 1,
        uploadTableName: 'temp_redemption_upload_1619_20201021_122859950',
        uploadedFileName: 'couponCode_1603263533789_253234.csv',
      },
    ],
  },
} as const;
