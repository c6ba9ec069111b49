"use client";

import Link from "next/link";

import { MySkills } from "@/components/profile/MySkills";
import { ProfileForm } from "@/components/profile/ProfileForm";
import { Card, PageHeader } from "@/components/ui/Card";
import { QueryState } from "@/components/ui/States";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";
import { useMyProfile } from "@/hooks/useMyProfile";

function MyProfile() {
  // null: no profile yet, the form creates it.
  const profile = useMyProfile();
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
