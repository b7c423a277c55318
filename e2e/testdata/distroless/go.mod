module distrolesscheck

go 1.26
