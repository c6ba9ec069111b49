"use client";

import { useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";

import { ProfileView } from "@/components/profile/ProfileView";
import { PageHeader } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";

export default function PublicProfilePage() {
  const { handle } = useParams<{ handle: string }>();
  const profile = useQuery({
    queryKey: ["profile", handle],
    queryFn: async () => {
      const path = { handle };
      const [p, skills] = await Promise.all([api.GET("/v1/profiles/{handle}", { params: { path } }), api.GET("/v1/profiles/{handle}/skills", { params: { path } })]);
      return { profile: unwrap(p), skills: unwrap(skills) };
    },
  });
  return (
    <QueryState query={profile} loadingLabel="Loading the profile">
      {({ profile: p, skills }) => (
        <>
          <PageHeader title={p.display_name}>@{p.handle}</PageHeader>
          <ProfileView profile={p} skills={skills} />
        </>
      )}
    </QueryState>
  );
}
