import { Anchor, Text, Tooltip } from "@mantine/core";
import { openLink } from "./api";

/** A reference: an https URL opens in the system browser; anything else is shown as text. */
export function SourceLink({ href, label, size = "sm" }: { href: string | null; label?: string; size?: string }) {
  if (!href) return null;
  if (href.startsWith("https://")) {
    return (
      <Tooltip label={href} maw={420} multiline>
        <Anchor
          size={size}
          href={href}
          onClick={(e) => {
            e.preventDefault();
            openLink(href);
          }}
        >
          {label ?? href.replace(/^https:\/\//, "")}
        </Anchor>
      </Tooltip>
    );
  }
  return (
    <Text size={size} c="dimmed">
      {label ?? href}
    </Text>
  );
}
