import { Code } from "@mantine/core";
import { useMemo } from "react";

/** A vendor's record as it was read, indented when it is JSON. */
export function RawRecord({ raw, testId }: { raw: string; testId: string }) {
  const text = useMemo(() => {
    try {
      return JSON.stringify(JSON.parse(raw), null, 2);
    } catch {
      return raw;
    }
  }, [raw]);
  return (
    <Code block data-testid={testId}>
      {text}
    </Code>
  );
}
