// The routing API answers errors as every service does (libs/http-problems).
export {
  serviceProblemOf as problemOf,
  ServiceProblemFilter as RoutingProblemFilter,
} from '@concord/http-problems';
