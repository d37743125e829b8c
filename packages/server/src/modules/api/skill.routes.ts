import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { DEFAULT_RUNS_PER_REQUEST, type SkillService } from '../skill/skill.service.ts';
import { IdParam, NameParam, readErrors } from './api.schemas.ts';
import {
  ModelSkillQuery,
  ModelSkillResource,
  RunSkillQuery,
  RunSkillResource,
  SkillDescription,
  toRunSkill,
  toSkillGroup,
} from './skill.schemas.ts';

const tags = ['models'];

/** How good were the forecasts: a run's, and a model's per scenario. */
export const skillApiRoutes: FastifyPluginAsyncTypebox<{ skill: SkillService }> = async (app, { skill }) => {
  app.get(
    '/runs/:id/skill',
    {
      config: { access: 'readings:read' },
      schema: {
        tags,
        operationId: 'getModelRunSkill',
        summary: "A run's forecast scored against the observations of its sensor measure",
        description:
          `${SkillDescription.matching} ${SkillDescription.outputs} With no observations yet: points 0 and nulls. ` +
          'A run naming no sensor measure, or whose outputs cannot be picked, is refused with 422.',
        params: Type.Object({ id: IdParam }),
        querystring: RunSkillQuery,
        response: { 200: RunSkillResource, ...readErrors },
      },
    },
    async (request) => {
      const { tolerance = 0, mean, lower, upper } = request.query;
      const scored = await skill.scoreRun(request.params.id, { toleranceSeconds: tolerance, names: { mean, lower, upper } });
      if (!scored) throw notFound(`Model run ${request.params.id} does not exist`);
      return toRunSkill(scored, tolerance);
    },
  );

  app.get(
    '/models/:name/skill',
    {
      config: { access: 'readings:read' },
      schema: {
        tags,
        operationId: 'getModelSkill',
        summary: "A model's forecast skill per scenario and overall, over the runs created in a range",
        description:
          'Scores the newest max_runs runs created in [from, to] (time_created, inclusive), each as GET /runs/{id}/skill ' +
          'does, and pools their compared points per scenario and overall (every point counts once). Runs that cannot be ' +
          `scored are listed in skipped with the reason. ${SkillDescription.matching} ${SkillDescription.outputs}`,
        params: Type.Object({ name: NameParam }),
        querystring: ModelSkillQuery,
        response: { 200: ModelSkillResource, ...readErrors },
      },
    },
    async (request) => {
      const { tolerance = 0, mean, lower, upper, scenario, from, to, max_runs: maxRuns = DEFAULT_RUNS_PER_REQUEST } = request.query;
      const scored = await skill.scoreModel(request.params.name, {
        toleranceSeconds: tolerance,
        names: { mean, lower, upper },
        scenario,
        from,
        to,
        maxRuns,
      });
      if (!scored) throw notFound(`Model ${JSON.stringify(request.params.name)} does not exist`);
      return {
        model: scored.model,
        tolerance,
        runs_matched: scored.runsMatched,
        runs_considered: scored.runsConsidered,
        truncated: scored.truncated,
        scenarios: scored.scenarios.map((g) => ({ scenario: g.scenario, ...toSkillGroup(g) })),
        overall: toSkillGroup(scored.overall),
        skipped: scored.skipped.map((s) => ({ run: s.runId, scenario: s.scenario, reason: s.reason })),
      };
    },
  );
};
