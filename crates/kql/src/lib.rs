//! KQL analyser for DCR transformations (work in progress).
