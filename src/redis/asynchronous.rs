//! The async face of [`RedisSync`] (feature `redis-async`), for handlers on tokio (axum,
//! `lambda_http`): each call runs the synchronous exchange on tokio's blocking pool, so the
//! executor thread that awaits it keeps serving other tasks while Redis answers, or does not.
//!
//! One implementation of the protocol serves both faces: the exchanges are short, bounded by
//! [`SyncOptions::timeout`] and [`SyncOptions::max_exchange`], and serialized by the sync's
//! lock, so at most one blocking-pool thread works at a time (others wait for it there, not
//! on the executor). A call given up by its caller (a `tokio::time::timeout`) finishes in the
//! background within those bounds; its outcome is kept by the sync.

use std::sync::Arc;

use time::OffsetDateTime;

use super::{RedisSync, SyncOptions};
use crate::{Error, RevocationList};

#[cfg_attr(docsrs, doc(cfg(feature = "redis-async")))]
impl RedisSync {
    /// [`RedisSync::connect`] without blocking the executor: the first load runs on the
    /// blocking pool.
    ///
    /// # Errors
    ///
    /// As [`RedisSync::connect`].
    ///
    /// ```no_run
    /// # async fn start() -> Result<(), sealed_session::Error> {
    /// use std::sync::Arc;
    /// use sealed_session::{Key, RevocationList, redis::{RedisSync, SyncOptions}};
    /// let list = Arc::new(RevocationList::new_shared(time::Duration::days(8), &Key::generate()));
    /// let sync = Arc::new(RedisSync::connect_async(list, "redis://127.0.0.1/", SyncOptions::new("app")).await?);
    /// # Ok(()) }
    /// ```
    pub async fn connect_async(
        list: Arc<RevocationList>,
        url: &str,
        options: SyncOptions,
    ) -> Result<RedisSync, Error> {
        let url = url.to_owned();
        on_blocking_pool(move || RedisSync::connect(list, &url, options)).await
    }

    /// [`RedisSync::catch_up`] without blocking the executor: for the start of a serverless
    /// invocation, under a timeout of the handler's choosing.
    ///
    /// # Errors
    ///
    /// As [`RedisSync::catch_up`].
    ///
    /// ```no_run
    /// # async fn handle(sync: std::sync::Arc<sealed_session::redis::RedisSync>) {
    /// let caught_up = tokio::time::timeout(std::time::Duration::from_millis(200), sync.catch_up_async()).await;
    /// if !matches!(caught_up, Ok(Ok(()))) {
    ///     // serve from what the list holds (a fail-closed list that never loaded refuses)
    /// }
    /// # }
    /// ```
    pub async fn catch_up_async(self: &Arc<Self>) -> Result<(), Error> {
        let sync = Arc::clone(self);
        on_blocking_pool(move || sync.catch_up()).await
    }

    /// [`RedisSync::flush`] without blocking the executor.
    ///
    /// # Errors
    ///
    /// As [`RedisSync::flush`].
    ///
    /// ```no_run
    /// # async fn handle(sync: std::sync::Arc<sealed_session::redis::RedisSync>) -> Result<(), sealed_session::Error> {
    /// sync.flush_async().await?;
    /// # Ok(()) }
    /// ```
    pub async fn flush_async(self: &Arc<Self>) -> Result<(), Error> {
        let sync = Arc::clone(self);
        on_blocking_pool(move || sync.flush()).await
    }

    /// [`RedisSync::revoke_user_durably`] without blocking the executor. The revocation is in
    /// force on this instance before the first await.
    ///
    /// # Errors
    ///
    /// As [`RedisSync::flush`].
    ///
    /// ```no_run
    /// # async fn handle(sync: std::sync::Arc<sealed_session::redis::RedisSync>) {
    /// match sync.revoke_user_durably_async("alice").await {
    ///     Ok(_) => println!("logged out everywhere"),
    ///     Err(error) => println!("logged out here; everywhere once Redis has it ({error})"),
    /// }
    /// # }
    /// ```
    pub async fn revoke_user_durably_async(
        self: &Arc<Self>,
        subject: &str,
    ) -> Result<OffsetDateTime, Error> {
        let at = self.list().revoke_user(subject);
        self.flush_async().await.map(|()| at)
    }
}

/// Runs `work` on tokio's blocking pool; a panic there (a bug) is a sync failure, not a panic
/// of the caller's task.
async fn on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or(Err(Error::SyncUnavailable))
}
