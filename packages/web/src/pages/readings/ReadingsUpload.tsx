import type { IngestSummary } from '@mirrorbase/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Field } from '../../components/Field.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { describeSummary, type UploadProgress, uploadReadingsCsv } from './upload-readings.ts';

const formatBytes = (bytes: number) => `${bytes.toLocaleString()} bytes`;

/** Uploads a CSV file of readings, showing the bytes sent, then the server's summary or its error. */
export function ReadingsUpload() {
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | undefined>();
  const [progress, setProgress] = useState<UploadProgress | undefined>();
  const upload = useMutation<IngestSummary, unknown, File>({
    mutationFn: (chosen) => uploadReadingsCsv(chosen, setProgress),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['readings'] }),
  });
  const percent = progress && progress.total > 0 ? Math.round((progress.sent / progress.total) * 100) : 0;

  return (
    <section aria-labelledby="upload-heading" className="readings-upload">
      <h2 id="upload-heading">Upload readings</h2>
      <p className="muted">
        A CSV file with the header <code>sensor,measure,timestamp,value</code> and one reading per line; each timestamp with its UTC offset
        (e.g. <code>2024-01-01T00:00:00Z</code>). Readings stored already are skipped.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (file) {
            setProgress({ sent: 0, total: file.size });
            upload.mutate(file);
          }
        }}
      >
        <Field label="CSV file of readings">
          {({ id }) => (
            <input
              id={id}
              type="file"
              accept=".csv,text/csv"
              onChange={(event) => {
                setFile(event.target.files?.[0]);
                upload.reset();
                setProgress(undefined);
              }}
            />
          )}
        </Field>
        <button type="submit" disabled={!file || upload.isPending} aria-busy={upload.isPending}>
          Upload CSV
        </button>
      </form>
      {progress && (
        <div className="upload-progress">
          <progress value={progress.sent} max={Math.max(progress.total, 1)} aria-label="Upload progress" />
          <p aria-live="polite" data-testid="upload-progress-text">
            Sent {formatBytes(progress.sent)} of {formatBytes(progress.total)} ({percent}%)
            {upload.isPending && progress.sent === progress.total ? ': the server is storing them…' : ''}
          </p>
        </div>
      )}
      {upload.isSuccess && (
        <p role="status" className="upload-summary">
          {describeSummary(upload.data)}
        </p>
      )}
      <ErrorMessage error={upload.error} title="The upload failed" />
    </section>
  );
}
