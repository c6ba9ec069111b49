"""One-request dashboard summaries (freelancer, client, admin), cached under the data's own versions."""
