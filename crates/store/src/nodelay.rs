//! sqlx 0.9.0 no longer sets `TCP_NODELAY` on its sockets (upstream issue sqlx#4335, fixed
//! after that release): a message that ends in a small TCP segment then waits for the server's
//! delayed acknowledgement, about 40 ms, and bulk writes to PostgreSQL crawl. Until a release
//! carries the fix, every new PostgreSQL connection sets the option here. The process's TCP
//! sockets connected to the database's port are found in `/proc/self/fd`; each is duplicated
//! through a pidfd (so no raw descriptor is ever borrowed) and the option is set on the socket
//! both descriptors share.

/// Sets `TCP_NODELAY` on the process's sockets connected to `port`; how many it set.
#[cfg(target_os = "linux")]
pub(crate) fn set_on_database_sockets(port: u16) -> std::io::Result<usize> {
    use rustix::net::{getpeername, sockopt};
    use rustix::process::{PidfdFlags, PidfdGetfdFlags, getpid, pidfd_getfd, pidfd_open};

    let me = pidfd_open(getpid(), PidfdFlags::empty())?;
    let mut set = 0;
    for entry in std::fs::read_dir("/proc/self/fd")? {
        let name = entry?.file_name();
        let Some(fd) = name.to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        // Descriptors closed meanwhile, and those that are not sockets, are skipped.
        let Ok(socket) = pidfd_getfd(&me, fd, PidfdGetfdFlags::empty()) else {
            continue;
        };
        let Ok(Some(peer)) = getpeername(&socket) else {
            continue;
        };
        let to_database = std::net::SocketAddr::try_from(peer).is_ok_and(|p| p.port() == port);
        if to_database && !sockopt::tcp_nodelay(&socket)? {
            sockopt::set_tcp_nodelay(&socket, true)?;
            set += 1;
        }
    }
    Ok(set)
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn set_on_database_sockets(_port: u16) -> std::io::Result<usize> {
    Ok(0)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn sets_the_option_on_sockets_to_the_port_only() {
        let database = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = database.local_addr().unwrap().port();
        let to_database = std::net::TcpStream::connect(database.local_addr().unwrap()).unwrap();
        let to_other = std::net::TcpStream::connect(other.local_addr().unwrap()).unwrap();
        assert!(!to_database.nodelay().unwrap());
        assert_eq!(super::set_on_database_sockets(port).unwrap(), 1);
        assert!(to_database.nodelay().unwrap());
        assert!(!to_other.nodelay().unwrap());
    }
}
