// The clearing API answers errors as every service does (libs/http-problems).
export {
  serviceProblemOf as problemOf,
  ServiceProblemFilter as ClearingProblemFilter,
} from '@concord/http-problems';
