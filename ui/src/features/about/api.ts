import { useQuery } from "@tanstack/react-query";
import { commands, type About, type Attribution } from "../../ipc";

export type { About, Attribution };

export function useAbout() {
  return useQuery({ queryKey: ["get_about"], queryFn: () => commands.getAbout(), staleTime: Infinity });
}
