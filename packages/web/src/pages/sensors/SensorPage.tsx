// Not built yet: this page is being written (issue 10).
export function SensorPage() {
  return (
    <section>
      <h1>Sensor</h1>
      <p>This page is not built yet.</p>
    </section>
  );
}
