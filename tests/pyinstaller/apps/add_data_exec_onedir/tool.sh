#!/bin/sh
echo "tool ran with $1"
