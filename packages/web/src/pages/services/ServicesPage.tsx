// Not built yet: this page is being written (issue 10).
export function ServicesPage() {
  return (
    <section>
      <h1>Services</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
