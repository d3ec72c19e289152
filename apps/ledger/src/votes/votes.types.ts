export interface Certificate {
  height: number;
  headerHash: string;
  signatures: { signerId: string; signature: string }[];
}
