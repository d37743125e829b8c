// Not built yet: this page is being written (issue 10).
export function AuditPage() {
  return (
    <section>
      <h1>Audit log</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
