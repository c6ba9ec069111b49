"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { MySkills } from "@/components/profile/MySkills";
import { ProfileForm } from "@/components/profile/ProfileForm";
import { Card, PageHeader } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { api, unwrap } from "@/lib/api/client";
import { ApiError } from "@/lib/api/problem";

function MyProfile() {
  // 404: no profile yet, the form creates it.
  const profile = useQuery({
    queryKey: ["my-profile"],
    queryFn: async () => {
      try {
        return unwrap(await api.GET("/v1/me/profile"));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
  return (
    <>
      <PageHeader title="Your profile">
        {profile.data ? <>Public at <Link className="text-primary underline" href={`/profiles/${profile.data.handle}`}>/profiles/{profile.data.handle}</Link></> : "Clients and freelancers see it next to your projects and proposals."}
      </PageHeader>
      <div className="grid gap-gutter xl:grid-cols-2">
        <Card title="Profile" id="profile">
          <QueryState query={profile} loadingLabel="Loading your profile">{(p) => <ProfileForm key={p?.updated_at ?? "new"} profile={p} />}</QueryState>
        </Card>
        {profile.data ? <Card title="Skills" id="skills"><MySkills /></Card> : null}
      </div>
    </>
  );
}

export default function ProfilePage() {
  return <RequireSignIn><MyProfile /></RequireSignIn>;
}
