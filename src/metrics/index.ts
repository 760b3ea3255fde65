export { createMetrics, GANG_STATES, reservationGauge, setReservationsHeld, type GangStateLabel, type Metrics } from './registry.js';
