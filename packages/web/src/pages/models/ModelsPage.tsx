import { useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { client } from '../../api/client.ts';
import { unwrap } from '../../api/unwrap.ts';
import { useWrite } from '../../api/use-write.ts';
import { useCan } from '../../auth/permissions.ts';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryState } from '../../components/QueryState.tsx';
import { useLiveInvalidation } from '../../live/realtime.ts';
import { NewMeasureForm, NewModelForm, NewScenarioForm } from './ModelForms.tsx';
import { type Model, type ModelMeasure, MODELS_KEY, measuresQuery, modelsQuery, type Scenario, scenariosQuery } from './models-api.ts';
import { RunsTable } from './RunsTable.tsx';
import './models.css';

interface ModelRow extends Model {
  scenarios: number;
}

/** The Actions column of a table (editors only): a two-press delete per row, named for screen readers. */
function deleteColumn<T>(
  canWrite: boolean,
  remove: { isPending: boolean; mutate: (row: T) => void },
  name: (row: T) => string,
): ColumnDef<T>[] {
  if (!canWrite) return [];
  return [
    {
      id: 'actions',
      header: 'Actions',
      enableSorting: false,
      cell: ({ row }) => (
        <ConfirmButton
          label="Delete"
          accessibleName={name(row.original)}
          busy={remove.isPending}
          onConfirm={() => remove.mutate(row.original)}
        />
      ),
    },
  ];
}

/** Each model with how many scenarios it has (new rows whenever either list changes, so the table recounts). */
function withScenarioCounts(models: Model[], scenarios: Scenario[] | undefined): ModelRow[] {
  const counts = new Map<string, number>();
  for (const s of scenarios ?? []) counts.set(s.model, (counts.get(s.model) ?? 0) + 1);
  return models.map((m) => ({ ...m, scenarios: counts.get(m.name) ?? 0 }));
}

/** Models, their scenarios, the measures their outputs are recorded in, and their runs. */
export function ModelsPage() {
  const canWrite = useCan('data:write');
  const models = useQuery(modelsQuery);
  const scenarios = useQuery(scenariosQuery);
  const measures = useQuery(measuresQuery);
  // A run a model posts, or a model added elsewhere, shows without a reload.
  useLiveInvalidation(['model', 'model_scenario', 'model_measure', 'model_run'], MODELS_KEY);

  const deleteModel = useWrite(
    (model: Model) => unwrap(client.api.POST('/model/delete-model', { body: { name: model.name } })),
    MODELS_KEY,
  );
  const deleteScenario = useWrite(
    (scenario: Scenario) =>
      unwrap(client.api.POST('/model/delete-model-scenario', { body: { model_name: scenario.model, description: scenario.description } })),
    MODELS_KEY,
  );
  const deleteMeasure = useWrite(
    (measure: ModelMeasure) => unwrap(client.api.POST('/model/delete-model-measure', { body: { name: measure.name } })),
    MODELS_KEY,
  );

  const modelColumns: ColumnDef<ModelRow>[] = [
    { id: 'name', header: 'Model', accessorFn: (m) => m.name },
    { id: 'scenarios', header: 'Scenarios', accessorFn: (m) => m.scenarios },
    ...deleteColumn<ModelRow>(canWrite, deleteModel, (m) => `Delete model ${m.name}`),
  ];
  const scenarioColumns: ColumnDef<Scenario>[] = [
    { id: 'model', header: 'Model', accessorFn: (s) => s.model },
    { id: 'description', header: 'Description', accessorFn: (s) => s.description ?? '(none)' },
    ...deleteColumn(canWrite, deleteScenario, (s) => `Delete scenario ${s.description ?? '(none)'} of ${s.model}`),
  ];
  const measureColumns: ColumnDef<ModelMeasure>[] = [
    { id: 'name', header: 'Measure', accessorFn: (m) => m.name },
    { id: 'units', header: 'Units', accessorFn: (m) => m.units },
    { id: 'datatype', header: 'Datatype', accessorFn: (m) => m.datatype },
    ...deleteColumn(canWrite, deleteMeasure, (m) => `Delete measure ${m.name}`),
  ];

  return (
    <section className="models-page">
      <header className="page-header">
        <h1>Models</h1>
      </header>

      <section aria-label="Models">
        {canWrite && <NewModelForm />}
        <ErrorMessage error={deleteModel.error} title="Could not delete the model" />
        <QueryState query={models} label="models">
          {(list) => (
            <DataTable
              caption="Models"
              data={withScenarioCounts(list, scenarios.data)}
              columns={modelColumns}
              filter={false}
              empty="No model yet."
            />
          )}
        </QueryState>
      </section>

      <section aria-labelledby="scenarios-heading">
        <h2 id="scenarios-heading">Scenarios</h2>
        {canWrite && models.data && models.data.length > 0 && <NewScenarioForm models={models.data} />}
        <ErrorMessage error={deleteScenario.error} title="Could not delete the scenario" />
        <QueryState query={scenarios} label="scenarios">
          {(list) => <DataTable caption="Scenarios" data={list} columns={scenarioColumns} empty="No scenario yet." />}
        </QueryState>
      </section>

      <section aria-labelledby="runs-heading">
        <h2 id="runs-heading">Runs</h2>
        <p className="muted">Models post their runs through the API; each run's page shows its outputs against the observations.</p>
        <RunsTable models={models.data ?? []} />
      </section>

      <section aria-labelledby="measures-heading">
        <h2 id="measures-heading">Output measures</h2>
        {canWrite && <NewMeasureForm />}
        <ErrorMessage error={deleteMeasure.error} title="Could not delete the measure" />
        <QueryState query={measures} label="model measures">
          {(list) => (
            <DataTable caption="Model output measures" data={list} columns={measureColumns} filter={false} empty="No measure yet." />
          )}
        </QueryState>
      </section>
    </section>
  );
}
