export function ConsolePage(_props: { params: URLSearchParams }) {
  return <h1>console: not built yet</h1>;
}
