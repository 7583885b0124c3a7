//! Sample scenarios for the samples menu (the files of `samples/`, embedded). The first is
//! loaded on a first visit.

use flowverify::scenario::Scenario;

/// A sample scenario: an id (for the menu), a name, what it shows, and its JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// A short identifier, e.g. `web-tier`.
    pub id: &'static str,
    /// Its name in the menu.
    pub name: &'static str,
    /// What it shows.
    pub about: &'static str,
    /// The scenario document.
    pub json: &'static str,
}

/// Every sample, the first-visit one first.
pub const SAMPLES: &[Sample] = &[
    Sample {
        id: "web-tier",
        name: "Web tier under AVNM high-risk-port protection",
        about: "Subnet NSG (az CLI) and NIC NSG (REST) under an AVNM configuration that denies high-risk ports, with an AlwaysAllow exception for jump hosts and an Allow that hands HTTPS over to the NSGs",
        json: include_str!("../samples/web-tier.json"),
    },
    Sample {
        id: "effective-rules",
        name: "App tier from its effective security rules",
        about: "az network nic list-effective-nsg output with the subnet's and the NIC's groups and expanded tags (VirtualNetwork, Internet)",
        json: include_str!("../samples/effective-rules.json"),
    },
    Sample {
        id: "asgs-and-service-tags",
        name: "Data tier: application security groups and service tags",
        about: "NIC NSG from PowerShell, subnet NSG from an ARM template, ASG membership from a network interface document and a list, Storage and Sql tags from the service tag discovery API",
        json: include_str!("../samples/asgs-and-service-tags.json"),
    },
    Sample {
        id: "ipv6",
        name: "Dual-stack edge subnet (IPv6)",
        about: "IPv6 rules and flows, Icmp without ports, an IPv6 VirtualNetwork prefix, and no NIC NSG",
        json: include_str!("../samples/ipv6.json"),
    },
];

impl Sample {
    /// The sample as a scenario.
    pub fn scenario(&self) -> Result<Scenario, flowverify::InputError> {
        Scenario::from_json(&format!("samples/{}.json", self.id), self.json)
    }

    /// The sample with this id.
    pub fn find(id: &str) -> Option<&'static Sample> {
        SAMPLES.iter().find(|s| s.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_is_a_valid_scenario_with_flows_and_expectations() {
        for sample in SAMPLES {
            let scenario = sample
                .scenario()
                .unwrap_or_else(|e| panic!("{}: {e}", sample.id));
            assert!(!scenario.flows.is_empty(), "{} has no flows", sample.id);
            assert!(
                scenario.flows.iter().all(|f| f.expect.is_some()),
                "{}: every sample flow states its expected verdict",
                sample.id
            );
            assert!(Sample::find(sample.id).is_some());
        }
    }
}
