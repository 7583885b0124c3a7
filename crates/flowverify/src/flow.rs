//! The packet being verified: direction, protocol, local and remote endpoints.

use std::fmt;
use std::net::IpAddr;

use crate::model::{Direction, Protocol};

/// An IP address with an optional port (ports exist only for Tcp and Udp). The port may be
/// `*`, any port, as IP flow verify's API accepts it (`docs/semantics.md`, Flow port any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    ip: IpAddr,
    port: Option<u16>,
    any_port: bool,
}

impl Endpoint {
    /// An endpoint from its parts.
    pub fn new(ip: IpAddr, port: Option<u16>) -> Endpoint {
        Endpoint {
            ip,
            port,
            any_port: false,
        }
    }

    /// An endpoint with the port `*`: any port.
    ///
    /// ```
    /// use flowverify::flow::Endpoint;
    /// let e = Endpoint::with_any_port("10.0.1.4".parse().unwrap());
    /// assert!(e.has_any_port());
    /// assert_eq!(e.port(), None);
    /// assert_eq!(e.to_string(), "10.0.1.4:*");
    /// ```
    pub fn with_any_port(ip: IpAddr) -> Endpoint {
        Endpoint {
            ip,
            port: None,
            any_port: true,
        }
    }

    /// Parses `IP`, `IP:PORT` (IPv4) or `IP`, `[IP]:PORT` (IPv6); the port may be `*` (any).
    ///
    /// ```
    /// use flowverify::flow::Endpoint;
    /// let e = Endpoint::parse("10.0.1.4:443").unwrap();
    /// assert_eq!(e.port(), Some(443));
    /// let v6 = Endpoint::parse("[2001:db8::4]:80").unwrap();
    /// assert_eq!(v6.ip().to_string(), "2001:db8::4");
    /// assert!(Endpoint::parse("10.0.1.4:*").unwrap().has_any_port());
    /// assert!(Endpoint::parse("10.0.1.4:99999").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Endpoint, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the address is empty".into());
        }
        let bad_port = |p: &str| {
            format!(
                "port '{}' is not a number from 0 to 65535 (or * for any port)",
                crate::error::clip(p)
            )
        };
        let with_port = |ip: IpAddr, p: &str| -> Result<Endpoint, String> {
            let p = p.trim();
            if p == "*" {
                return Ok(Endpoint::with_any_port(ip));
            }
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad_port(p));
            }
            let port = p.parse::<u16>().map_err(|_| bad_port(p))?;
            Ok(Endpoint::new(ip, Some(port)))
        };
        let not_ip = |addr: &str| format!("'{}' is not an IP address", crate::error::clip(addr));
        if let Some(rest) = text.strip_prefix('[') {
            let (addr, after) = rest.split_once(']').ok_or_else(|| {
                format!(
                    "'{}' opens '[' but never closes it",
                    crate::error::clip(text)
                )
            })?;
            let ip: IpAddr = addr.parse().map_err(|_| not_ip(addr))?;
            return match after {
                "" => Ok(Endpoint::new(ip, None)),
                p => with_port(
                    ip,
                    p.strip_prefix(':').ok_or_else(|| {
                        format!(
                            "expected ':PORT' after ']' in '{}', found '{}'",
                            crate::error::clip(text),
                            crate::error::clip(p)
                        )
                    })?,
                ),
            };
        }
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Endpoint::new(ip, None));
        }
        match text.rsplit_once(':') {
            Some((addr, port)) if !addr.contains(':') => {
                let ip: IpAddr = addr.parse().map_err(|_| not_ip(addr))?;
                with_port(ip, port)
            }
            _ => Err(format!(
                "'{}' is not an IP address (write IP:PORT, or [IPv6]:PORT)",
                crate::error::clip(text)
            )),
        }
    }

    /// The address.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// The port, if it is one number (`None` for a portless protocol and for `*`).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether the port is `*`: any port.
    pub fn has_any_port(&self) -> bool {
        self.any_port
    }

    /// Whether the endpoint has a port at all (a number or `*`).
    fn has_port(&self) -> bool {
        self.port.is_some() || self.any_port
    }
}

/// An address that is not an endpoint (`IP`, `IP:PORT`, `[IPv6]:PORT`, port `*`): the error of
/// `str::parse::<Endpoint>`, its message quoting the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EndpointError(String);

impl std::str::FromStr for Endpoint {
    type Err = EndpointError;

    /// As [`Endpoint::parse`].
    ///
    /// ```
    /// use flowverify::flow::Endpoint;
    /// let e: Endpoint = "[2001:db8::4]:*".parse().unwrap();
    /// assert!(e.has_any_port());
    /// let err = "10.0.1.4:http".parse::<Endpoint>().unwrap_err();
    /// assert_eq!(err.to_string(), "port 'http' is not a number from 0 to 65535 (or * for any port)");
    /// ```
    fn from_str(text: &str) -> Result<Endpoint, EndpointError> {
        Endpoint::parse(text).map_err(EndpointError)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let port = match (self.port, self.any_port) {
            (Some(p), _) => p.to_string(),
            (None, true) => "*".to_string(),
            (None, false) => return write!(f, "{}", self.ip),
        };
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{port}"),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{port}"),
        }
    }
}

/// A flow to verify, as IP flow verify takes it: direction, protocol, local (the target's)
/// and remote endpoint. Both endpoints are of one address family; only Tcp and Udp have ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flow {
    direction: Direction,
    protocol: Protocol,
    local: Endpoint,
    remote: Endpoint,
}

impl Flow {
    /// A flow from its parts, checked: same address family on both ends, ports present for
    /// Tcp and Udp and absent otherwise.
    ///
    /// ```
    /// use flowverify::flow::{Endpoint, Flow};
    /// use flowverify::model::{Direction, Protocol};
    /// let local = Endpoint::parse("10.0.1.4:443").unwrap();
    /// let remote = Endpoint::parse("203.0.113.7:50000").unwrap();
    /// let flow = Flow::new(Direction::Inbound, Protocol::Tcp, local, remote).unwrap();
    /// assert_eq!(flow.source(), remote);
    /// ```
    pub fn new(
        direction: Direction,
        protocol: Protocol,
        local: Endpoint,
        remote: Endpoint,
    ) -> Result<Flow, String> {
        if local.ip.is_ipv4() != remote.ip.is_ipv4() {
            return Err(format!(
                "local {} and remote {} are of different address families: use IPv4 on both ends or IPv6 on both",
                local.ip, remote.ip
            ));
        }
        for (which, end) in [("local", local), ("remote", remote)] {
            match (protocol.has_ports(), end.has_port()) {
                (true, false) => {
                    return Err(format!(
                        "{which} address {end} has no port: {protocol} flows need IP:PORT"
                    ))
                }
                (false, true) => {
                    return Err(format!(
                        "{which} address {end} has a port, but {protocol} flows have no ports"
                    ))
                }
                _ => {}
            }
        }
        Ok(Flow {
            direction,
            protocol,
            local,
            remote,
        })
    }

    /// Parses a flow from the words users type: direction, protocol, local, remote.
    ///
    /// ```
    /// use flowverify::flow::Flow;
    /// let flow = Flow::parse("outbound", "udp", "10.0.1.4:5000", "8.8.8.8:53").unwrap();
    /// assert_eq!(flow.destination().to_string(), "8.8.8.8:53");
    /// assert!(Flow::parse("outbound", "icmp", "10.0.1.4", "2001:db8::1").is_err());
    /// ```
    pub fn parse(
        direction: &str,
        protocol: &str,
        local: &str,
        remote: &str,
    ) -> Result<Flow, String> {
        Flow::parse_parts(direction, protocol, local, remote).map_err(|e| e.to_string())
    }

    /// As [`Flow::parse`], saying which part of the flow a problem is in (for a form that
    /// shows each message beside its field).
    ///
    /// ```
    /// use flowverify::flow::{Flow, FlowField};
    /// let err = Flow::parse_parts("inbound", "tcp", "10.0.1.4:99999", "8.8.8.8:53").unwrap_err();
    /// assert_eq!(err.field(), FlowField::Local);
    /// assert_eq!(err.to_string(), format!("local: {}", err.message()));
    /// ```
    pub fn parse_parts(
        direction: &str,
        protocol: &str,
        local: &str,
        remote: &str,
    ) -> Result<Flow, FlowError> {
        let fail = |field, message| FlowError { field, message };
        let d = direction
            .parse::<Direction>()
            .map_err(|e| fail(FlowField::Direction, e.to_string()))?;
        let p = protocol
            .parse::<Protocol>()
            .map_err(|e| fail(FlowField::Protocol, e.to_string()))?;
        let l = local
            .parse::<Endpoint>()
            .map_err(|e| fail(FlowField::Local, e.to_string()))?;
        let r = remote
            .parse::<Endpoint>()
            .map_err(|e| fail(FlowField::Remote, e.to_string()))?;
        Flow::new(d, p, l, r).map_err(|m| fail(FlowField::Whole, m))
    }

    /// Inbound or Outbound.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The protocol.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The target's own endpoint.
    pub fn local(&self) -> Endpoint {
        self.local
    }

    /// The other endpoint.
    pub fn remote(&self) -> Endpoint {
        self.remote
    }

    /// Where the packet comes from: remote for Inbound, local for Outbound.
    pub fn source(&self) -> Endpoint {
        match self.direction {
            Direction::Inbound => self.remote,
            Direction::Outbound => self.local,
        }
    }

    /// Where the packet goes: local for Inbound, remote for Outbound.
    pub fn destination(&self) -> Endpoint {
        match self.direction {
            Direction::Inbound => self.local,
            Direction::Outbound => self.remote,
        }
    }
}

/// The part of a flow a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowField {
    /// The direction.
    Direction,
    /// The protocol.
    Protocol,
    /// The local endpoint.
    Local,
    /// The remote endpoint.
    Remote,
    /// The flow as a whole (address families differ, a port is missing or extra).
    Whole,
}

/// A problem with a flow: the part it is in and what is wrong, quoting the value. Displayed as
/// the message, prefixed with `local: ` or `remote: ` for an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowError {
    field: FlowField,
    message: String,
}

impl std::fmt::Display for Flow {
    /// The flow in words, every front end's: `Inbound Tcp local 10.0.1.4:443 remote
    /// 203.0.113.7:50000` (ports absent for Icmp, Esp and Ah).
    ///
    /// ```
    /// use flowverify::Flow;
    /// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:443", "203.0.113.7:50000").unwrap();
    /// assert_eq!(flow.to_string(), "Inbound Tcp local 10.0.1.4:443 remote 203.0.113.7:50000");
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} local {} remote {}",
            self.direction(),
            self.protocol(),
            self.local(),
            self.remote()
        )
    }
}

impl FlowError {
    /// The part of the flow.
    pub fn field(&self) -> FlowField {
        self.field
    }

    /// What is wrong, without the part's name.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for FlowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            FlowField::Local => write!(f, "local: {}", self.message),
            FlowField::Remote => write!(f, "remote: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for FlowError {}
