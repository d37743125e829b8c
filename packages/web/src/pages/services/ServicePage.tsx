// Not built yet: this page is being written (issue 10).
export function ServicePage() {
  return (
    <section>
      <h1>Service</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
