// The compliance API answers errors as every service does (libs/http-problems).
export {
  serviceProblemOf as problemOf,
  ServiceProblemFilter as ComplianceProblemFilter,
} from '@concord/http-problems';
