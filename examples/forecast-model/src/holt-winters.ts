/**
 * Additive Holt-Winters (ETS(A,A,A)) written out in full: level, trend and a season of
 * `seasonLength` steps, fitted by minimising the sum of squared one-step-ahead errors.
 *
 * The recursions are the error-correction form (Hyndman & Athanasopoulos, "Forecasting:
 * Principles and Practice", ch. 7), because the prediction-interval formula below is stated
 * for it:
 *
 *   e_t = y_t - (l_{t-1} + b_{t-1} + s_{t-m})       one-step error
 *   l_t = l_{t-1} + b_{t-1} + alpha * e_t
 *   b_t = b_{t-1} + alpha * beta * e_t               beta: the share of a level surprise taken as trend
 *   s_t = s_{t-m} + gamma * e_t
 *
 *   forecast(h) = l_n + h * b_n + s_{n+h-m(k+1)},    k = floor((h-1)/m)
 */

export interface HoltWintersParameters {
  alpha: number;
  beta: number;
  gamma: number;
}

export interface HoltWintersFit extends HoltWintersParameters {
  seasonLength: number;
  /** State after the last observation. */
  level: number;
  trend: number;
  /** The last m seasonal terms, oldest first: season[i] belongs to step n - m + i. */
  season: number[];
  /** Sum of squared one-step errors over the whole series. */
  sse: number;
  /** Residual standard deviation of the one-step errors. */
  sigma: number;
  observations: number;
}

export interface Forecast {
  mean: number[];
  lower: number[];
  upper: number[];
  /** Standard deviation of the h-step error, per step. */
  sd: number[];
}

interface InitialState {
  level: number;
  trend: number;
  season: number[];
}

/**
 * Starting state from the first two seasons: the trend is the change between their means,
 * the level is the first season's mean carried back to just before the first observation, and
 * each seasonal term is the average detrended deviation at that phase. A series that is
 * exactly level + trend + season is reproduced without error from the first step.
 */
function initialState(y: readonly number[], m: number): InitialState {
  const mean = (from: number) => {
    let sum = 0;
    for (let i = from; i < from + m; i++) sum += y[i];
    return sum / m;
  };
  const first = mean(0);
  const second = mean(m);
  const trend = (second - first) / m;
  // `first` is the level at the middle of season one, (m-1)/2; the state before step 0 sits one
  // step before that step.
  const level = first - trend * ((m - 1) / 2 + 1);
  const season = new Array<number>(m).fill(0);
  for (let i = 0; i < m; i++) {
    const a = y[i] - (level + (i + 1) * trend);
    const b = y[i + m] - (level + (i + m + 1) * trend);
    season[i] = (a + b) / 2;
  }
  // Seasonal terms of an additive model sum to zero; whatever does not belongs to the level.
  const offset = season.reduce((s, v) => s + v, 0) / m;
  return { level: level + offset, trend, season: season.map((v) => v - offset) };
}

/** Runs the recursions over y with the given parameters; returns the final state and SSE. */
function filter(y: readonly number[], m: number, p: HoltWintersParameters, start: InitialState) {
  let level = start.level;
  let trend = start.trend;
  // A ring of the last m seasonal terms: index t mod m holds s_{t-m} when step t is reached.
  const season = start.season.slice();
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const phase = t % m;
    const error = y[t] - (level + trend + season[phase]);
    sse += error * error;
    level = level + trend + p.alpha * error;
    trend = trend + p.alpha * p.beta * error;
    season[phase] = season[phase] + p.gamma * error;
  }
  // Reorder the ring so that season[i] belongs to step n - m + i.
  const n = y.length;
  const ordered = Array.from({ length: m }, (_, i) => season[(n - m + i) % m]);
  return { level, trend, season: ordered, sse };
}

// Parameters are searched in an unconstrained space and mapped into the admissible region
// (0 < alpha < 1, 0 < beta < 1, 0 < gamma < 1 - alpha) by a logistic squash.
const squash = (x: number) => 1 / (1 + Math.exp(-x));
const unsquash = (p: number) => Math.log(p / (1 - p));
const toParameters = ([a, b, g]: number[]): HoltWintersParameters => {
  const alpha = squash(a);
  return { alpha, beta: squash(b), gamma: (1 - alpha) * squash(g) };
};
const fromParameters = (p: HoltWintersParameters) => [unsquash(p.alpha), unsquash(p.beta), unsquash(p.gamma / (1 - p.alpha))];

/**
 * Nelder-Mead simplex minimisation (standard coefficients: reflection 1, expansion 2,
 * contraction 1/2, shrink 1/2). Small and derivative-free, which suits an SSE surface that
 * is cheap to evaluate and smooth enough.
 */
export function nelderMead(
  f: (x: number[]) => number,
  start: number[],
  options: { step?: number; maxIterations?: number; tolerance?: number } = {},
) {
  const { step = 0.5, maxIterations = 400, tolerance = 1e-10 } = options;
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step : v)))].map((x) => ({ x, fx: f(x) }));
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    simplex.sort((a, b) => a.fx - b.fx);
    const best = simplex[0];
    const worst = simplex[n];
    if (Math.abs(worst.fx - best.fx) <= tolerance * (Math.abs(best.fx) + tolerance)) break;
    const centroid = start.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j], 0) / n);
    const along = (t: number) => centroid.map((c, j) => c + t * (worst.x[j] - c));
    const reflected = along(-1);
    const fr = f(reflected);
    if (fr < best.fx) {
      const expanded = along(-2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, fx: fe } : { x: reflected, fx: fr };
    } else if (fr < simplex[n - 1].fx) {
      simplex[n] = { x: reflected, fx: fr };
    } else {
      const contracted = fr < worst.fx ? along(-0.5) : along(0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, worst.fx)) simplex[n] = { x: contracted, fx: fc };
      else {
        // Shrink every vertex halfway towards the best one.
        simplex = simplex.map((p, i) => {
          if (i === 0) return p;
          const x = p.x.map((v, j) => best.x[j] + 0.5 * (v - best.x[j]));
          return { x, fx: f(x) };
        });
      }
    }
  }
  simplex.sort((a, b) => a.fx - b.fx);
  return simplex[0];
}

/**
 * Fits additive Holt-Winters to a regularly spaced series. Needs at least two full seasons.
 * Parameters not given are fitted: a coarse grid picks a starting point, Nelder-Mead refines it.
 *
 * @example
 *   const fit = fitHoltWinters(hourlyTemperatures, 24);
 *   const { mean, lower, upper } = forecastHoltWinters(fit, 48, 0.95);
 */
export function fitHoltWinters(y: readonly number[], seasonLength: number, fixed?: HoltWintersParameters): HoltWintersFit {
  const m = seasonLength;
  if (!Number.isInteger(m) || m < 1) throw new Error(`season length must be a positive integer, not ${m}`);
  if (y.length < 2 * m) throw new Error(`Holt-Winters needs at least two seasons (${2 * m} points) of history; got ${y.length}`);
  if (y.some((v) => !Number.isFinite(v))) throw new Error('the series holds a value that is not a finite number');
  const start = initialState(y, m);
  const sseOf = (p: HoltWintersParameters) => filter(y, m, p, start).sse;

  let parameters = fixed;
  if (!parameters) {
    let best = { p: { alpha: 0.5, beta: 0.1, gamma: 0.1 }, sse: Number.POSITIVE_INFINITY };
    for (const alpha of [0.05, 0.2, 0.4, 0.6, 0.8, 0.95])
      for (const beta of [0.01, 0.1, 0.3])
        for (const share of [0.01, 0.1, 0.3]) {
          const p = { alpha, beta, gamma: (1 - alpha) * share };
          const sse = sseOf(p);
          if (sse < best.sse) best = { p, sse };
        }
    const refined = nelderMead((x) => sseOf(toParameters(x)), fromParameters(best.p));
    parameters = refined.fx <= best.sse ? toParameters(refined.x) : best.p;
  }

  const state = filter(y, m, parameters, start);
  // Three smoothing parameters were estimated from the errors (when fitted).
  const dof = Math.max(1, y.length - (fixed ? 0 : 3));
  return {
    ...parameters,
    seasonLength: m,
    level: state.level,
    trend: state.trend,
    season: state.season,
    sse: state.sse,
    sigma: Math.sqrt(state.sse / dof),
    observations: y.length,
  };
}

/**
 * Inverse of the standard normal distribution function (Acklam's rational approximation,
 * relative error below 1.2e-9), for the z of a central prediction interval.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`a probability strictly between 0 and 1 is needed, not ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/**
 * Forecasts `horizon` steps past the end of the fitted series, with a central prediction
 * interval of probability `coverage`. The h-step error variance of ETS(A,A,A) grows with h:
 *
 *   var_h = sigma^2 [1 + (h-1){a^2 + a*B*h + B^2 h(2h-1)/6} + g*k{2a + g + B*m(k+1)}]
 *
 * with a = alpha, B = alpha*beta (the trend gain of the error-correction form), g = gamma,
 * k = floor((h-1)/m) (Hyndman & Athanasopoulos, table 7.8).
 */
export function forecastHoltWinters(fit: HoltWintersFit, horizon: number, coverage = 0.95): Forecast {
  if (!Number.isInteger(horizon) || horizon < 1) throw new Error(`the horizon must be a positive whole number of steps, not ${horizon}`);
  const z = normalQuantile(0.5 + coverage / 2);
  const m = fit.seasonLength;
  const a = fit.alpha;
  const trendGain = fit.alpha * fit.beta;
  const g = fit.gamma;
  const result: Forecast = { mean: [], lower: [], upper: [], sd: [] };
  for (let h = 1; h <= horizon; h++) {
    const k = Math.floor((h - 1) / m);
    const mean = fit.level + h * fit.trend + fit.season[(h - 1) % m];
    const variance =
      fit.sigma ** 2 *
      (1 +
        (h - 1) * (a * a + a * trendGain * h + (trendGain * trendGain * h * (2 * h - 1)) / 6) +
        g * k * (2 * a + g + trendGain * m * (k + 1)));
    const sd = Math.sqrt(variance);
    result.mean.push(mean);
    result.sd.push(sd);
    result.lower.push(mean - z * sd);
    result.upper.push(mean + z * sd);
  }
  return result;
}
