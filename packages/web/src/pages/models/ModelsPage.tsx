// Not built yet: this page is being written (issue 10).
export function ModelsPage() {
  return (
    <section>
      <h1>Models</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
