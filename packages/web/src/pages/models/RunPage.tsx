// Not built yet: this page is being written (issue 10).
export function RunPage() {
  return (
    <section>
      <h1>Model run</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
