"""The matching evaluation set: a deterministic generator of freelancer profiles, projects and labelled
relevant pairs. ``python -m bench.matching_eval`` rewrites ``bench/data/matching_eval.json`` (committed);
the same seed always gives the same file.

Each freelancer and project belongs to one *niche* (a topic and a focus inside it). Freelancers describe
themselves in their own words and clients describe needs in other words (paraphrases, few shared terms),
as real profiles and posts do; many projects list no skills or only part of them, and some freelancers
list an off-topic skill. Relevance: same niche = 2, same topic other focus = 1, else 0.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "data" / "matching_eval.json"
SEED, FREELANCERS, PROJECTS = 20261201, 400, 80

# topic -> (skills, {focus: (freelancer phrases, project phrases)})
TOPICS: dict[str, tuple[list[str], dict[str, tuple[list[str], list[str]]]]] = {
    "security": (["solidity", "smart-contract-auditing", "fuzzing-foundry-echidna", "formal-verification"], {
        "audit": (["I audit Solidity contracts and write security reports", "smart contract auditor, found critical bugs",
                   "manual code review of EVM protocols for exploits"],
                  ["Our lending protocol needs a review for vulnerabilities before mainnet",
                   "Find exploitable flaws in our vault before launch", "independent security assessment of DeFi code"]),
        "fuzz": (["property-based fuzzing with Foundry and Echidna invariants", "I write invariant test suites",
                  "stateful fuzz campaigns for token contracts"],
                 ["We want randomized tests that break our AMM math", "stress our staking logic with generated inputs",
                  "build automated checks that our pool never loses funds"]),
    }),
    "zk": (["zero-knowledge-proofs", "cryptography", "rust"], {
        "circuits": (["I design zk-SNARK circuits in Circom and Halo2", "zero knowledge circuit engineer",
                      "PLONK and Groth16 prover optimisation"],
                     ["Private voting where ballots stay secret but are verifiably counted",
                      "prove membership without revealing identity", "confidential transfers with succinct proofs"]),
        "crypto": (["applied cryptographer: signatures, MPC, threshold keys", "I implement elliptic curve libraries",
                    "key management and secure enclaves"],
                   ["Split custody keys among several parties so no one holds the whole secret",
                    "distributed signing service for our wallet", "review our randomness and key derivation"]),
    }),
    "ml": (["machine-learning", "pytorch", "natural-language-processing", "llm-fine-tuning"], {
        "nlp": (["I fine-tune language models and build retrieval pipelines", "NLP engineer: transformers, embeddings",
                 "text classification and semantic search"],
                ["A chatbot that answers questions from our support documents",
                 "summarise long customer emails automatically", "tag incoming tickets by topic"]),
        "vision": (["computer vision: detection and segmentation with PyTorch", "I train image models",
                    "object tracking in video streams"],
                   ["Count trees in drone photos", "detect defects on a production line camera",
                    "recognise products on shelves from pictures"]),
    }),
    "climate": (["carbon-accounting", "life-cycle-assessment", "esg-reporting", "remote-sensing"], {
        "carbon": (["greenhouse gas inventories, scope 1 2 3 accounting", "life cycle assessment practitioner",
                    "ESG disclosures and emissions reporting"],
                   ["Measure the footprint of our supply chain", "we need a report of our company's emissions",
                    "estimate the environmental impact of our product from cradle to grave"]),
        "satellite": (["satellite imagery analysis for land use", "remote sensing of forests with Sentinel data",
                       "GIS and geospatial analytics"],
                      ["Monitor deforestation in our conservation area from space",
                       "map crop health across farms", "track reforestation progress year over year"]),
    }),
    "frontend": (["react", "typescript", "next-js", "ui-ux-design"], {
        "web": (["React and Next.js developer building fast interfaces", "frontend engineer, TypeScript",
                 "component libraries and design systems"],
                ["A responsive dashboard for our analytics", "rebuild our marketing site so it loads quickly",
                 "admin panel with tables, filters and charts"]),
        "dapp": (["wallet connection and dapp interfaces with wagmi", "I build web3 frontends",
                  "transaction flows and signing UX"],
                 ["Let users connect MetaMask and stake from the browser",
                  "a page where holders claim their airdrop", "mint page for our collection"]),
    }),
    "backend": (["python", "fastapi", "postgresql", "rest-api-design"], {
        "api": (["Python backend developer: FastAPI, PostgreSQL", "I design REST services",
                 "database schema design and query tuning"],
                ["Our endpoints are slow under load, make them scale", "build the server for our mobile app",
                 "an HTTP service that stores orders and sends receipts"]),
        "data": (["data pipelines and ETL with Python", "I build ingestion jobs and warehouses",
                  "batch processing and scheduling"],
                 ["Move our sales records nightly into a reporting database",
                  "clean and merge spreadsheets from several branches", "sync CRM data into analytics"]),
    }),
    "devops": (["kubernetes", "terraform", "docker", "ci-cd"], {
        "infra": (["Kubernetes and Terraform infrastructure engineer", "cloud platform automation",
                   "I run clusters in production"],
                  ["Set up hosting for our services with automatic scaling",
                   "move our servers to the cloud reliably", "infrastructure as code for staging and prod"]),
        "pipelines": (["CI/CD pipelines and release automation", "GitHub Actions and build caching",
                       "container images and deploy workflows"],
                      ["Every merge should test and ship automatically", "our builds take forever, speed them up",
                       "one-click releases with rollbacks"]),
    }),
    "writing": (["technical-writing"], {
        "docs": (["technical writer for developer documentation", "I write API references and tutorials",
                  "docs sites with examples"],
                 ["Explain our SDK so newcomers can integrate in an hour",
                  "write guides for our protocol's integrators", "document our endpoints with examples"]),
    }),
}
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Singapore", "America/Los_Angeles", "Asia/Kolkata"]
ALL_SKILLS = sorted({s for skills, _ in TOPICS.values() for s in skills})


def _niches() -> list[tuple[str, str]]:
    return [(t, f) for t, (_, foci) in TOPICS.items() for f in foci]


def generate(seed: int = SEED, freelancers: int = FREELANCERS, projects: int = PROJECTS) -> dict[str, Any]:
    rng = random.Random(seed)
    niches = _niches()
    people = []
    for i in range(freelancers):
        topic, focus = niches[i % len(niches)] if i < len(niches) * 2 else rng.choice(niches)
        skills_pool, foci = TOPICS[topic]
        phrases = foci[focus][0]
        picked = rng.sample(skills_pool, rng.randint(1, len(skills_pool)))
        skills = {s: rng.randint(1, 5) for s in picked}
        if rng.random() < 0.25:  # an off-topic skill: skill overlap alone can mislead
            skills[rng.choice([s for s in ALL_SKILLS if s not in skills_pool])] = rng.randint(1, 3)
        bio = ". ".join(rng.sample(phrases, rng.randint(1, len(phrases))))
        people.append({"id": i, "niche": f"{topic}/{focus}", "skills": skills, "bio": bio,
                       "availability": rng.choice(["available"] * 4 + ["limited"]),
                       "time_zone": rng.choice(ZONES), "reputation": round(rng.random() * 60, 2)})
    jobs = []
    for j in range(projects):
        topic, focus = niches[j % len(niches)]
        skills_pool, foci = TOPICS[topic]
        need = foci[focus][1]
        title = rng.choice(need)
        description = ". ".join(rng.sample(need, len(need)))
        roll = rng.random()
        skills = [] if roll < 0.4 else rng.sample(skills_pool, 1) if roll < 0.8 else skills_pool[:2]
        jobs.append({"id": j, "niche": f"{topic}/{focus}", "title": title[:200], "description": description,
                     "skills": skills, "budget": str(rng.randint(5, 200) * 10**18)})
    relevant = []
    for job in jobs:
        for person in people:
            if person["niche"] == job["niche"]:
                grade = 2
            elif person["niche"].split("/")[0] == job["niche"].split("/")[0]:
                grade = 1
            else:
                continue
            relevant.append([job["id"], person["id"], grade])
    return {"seed": seed, "generator": "bench/matching_eval.py", "freelancers": people, "projects": jobs,
            "relevant": relevant}


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(generate(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
