// Not built yet: this page is being written (issue 10).
export function OverviewPage() {
  return (
    <section>
      <h1>Overview</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
