// Wire shapes the console reads: the fields of the API's replies it shows (the replies carry more).

export interface Series {
  id: number;
  seriesCode: string;
  description: string;
  discountType: 'ABS' | 'PERC';
  discountValue: number;
  discountUpto: number;
  clientHandlingType: string;
  validTillDate: string;
  numIssued: number;
  numRedeemed: number;
  numUploadedTotal: number;
  numUploadedNonIssued: number;
  latestIssualTime: number;
  latestRedemptionTime: number;
  maxCreate: number;
  maxRedeem: number;
  createdOn: string;
  [field: string]: unknown;
}

export interface DayStats {
  date: string;
  issued: number;
  redeemed: number;
}

export interface Identifier {
  type: string;
  value: string;
}

export interface Customer {
  id: number;
  profiles: { firstName: string; lastName: string; identifiers: Identifier[] }[];
}

export interface Coupon {
  id: number;
  code: string;
  seriesId: number;
  description: string;
  validTill: string;
  issuedOn: string;
  redemptionCount: number;
  revoked: boolean;
  discountType: string;
  discountValue: number;
}

/** A coupon as the wallet (GET /v2/customers/coupons) lists it. */
export interface WalletCoupon {
  id: number;
  code: string;
  seriesId: number;
  description: string;
  validTill: string;
  discountType: string;
  discountValue: number;
  redemptionCount: number;
  redemptionsLeft: number;
  expired: boolean;
  redemptions: { id: number; date: string; transactionNumber: string }[];
}

export interface Wallet {
  entity: {
    pagination: { limit: string; offset: string; total: number };
    customers: { id: number; coupons: WalletCoupon[] }[];
  };
}

export interface HistoryEvent {
  type: string;
  at: string;
  actor: string;
  details: Record<string, unknown>;
}

export interface RedemptionStatus {
  status?: boolean;
  code: number;
  message: string;
}

export interface RedeemableItem {
  code: string;
  couponId: number | null;
  isRedeemable: boolean;
  appendedErrorMessage: string;
  discountAmount?: number;
  redemptionsLeft: number;
  redemptionStatus?: RedemptionStatus;
  seriesDetails?: { id: number; description: string };
}

export interface RedeemedItem {
  id: number;
  couponId: number;
  code: string;
  discountAmount?: number;
  appendedErrorMessage: string;
  redemptionStatus: { code: number; message: string; success?: boolean };
}

export interface UploadJob {
  jobId: number;
  uploadStatus: 'STARTED' | 'FINISHED' | 'ERRORED';
  /** Why the job failed as a whole (ERRORED); null otherwise. */
  errorMessage: string | null;
  createdOn: string;
  updatedOn: string;
  errorFileUrl: string | null;
  successFileUrl: string | null;
  totalUploadedCount: number;
  actualRowCount: number;
  errorCount: number;
  uploadedFileName: string;
}

export interface UploadReply {
  success: boolean;
  result: { couponSeriesId: number; uploadJobStatuses: UploadJob[] };
}

/** A redeemed-coupon upload's job: the same counts, its own status words. */
export type RedeemUploadJob = Omit<UploadJob, 'uploadStatus'> & {
  uploadRedeemedCouponStatus: 'QUEUED' | 'COMPLETED' | 'ERRORED';
};

export interface RedeemUploadReply {
  success: boolean;
  result: { couponSeriesId: number; redeemUploadJobStatuses: RedeemUploadJob[] };
}

export interface OrgSettings {
  orgId: number;
  name: string;
  timezone: string;
}
