// Not built yet: this page is being written (issue 10).
export function KeysPage() {
  return (
    <section>
      <h1>API keys</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
